// A Rust panic (a bug) reaches JavaScript as an Error carrying the panic message, not an opaque `unreachable`, and
// the broken instance refuses further calls.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { WasmApi } from '../src/wasm.js';

describe('trap handling', () => {
  it('turns a panic into a readable Error and stops using the instance', async () => {
    const bytes = readFileSync(new URL('../wasm/tokenizer.wasm', import.meta.url));
    const { instance } = await WebAssembly.instantiate(bytes, {});
    const api = new WasmApi(instance);
    expect(() => api.call(() => api.x.tz_debug_panic())).toThrow(/internal error: .*deliberate panic for testing/);
    expect(api.broken).toMatch(/deliberate panic/);
    expect(() => api.call(() => api.x.tz_vocab_size(0))).toThrow(/stopped after an earlier internal error/);
  });
});
