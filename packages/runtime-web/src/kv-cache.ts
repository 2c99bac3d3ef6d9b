/**
 * KV cache: the `past_key_values.{i}.key|value` tensors `[1, num_key_value_heads, past, head_dim]` of every layer,
 * plus the token ids they were computed from.
 *
 * The tensors stay where the backend produced them (GPU buffers on WebGPU, wasm/CPU memory otherwise): after each
 * decoder run the `present.*` outputs replace the cache and the previous tensors are disposed. Nothing is copied.
 */
import type { BackendTensor } from './backend/onnx.js';

export class KvCache {
  private tensors: Map<string, BackendTensor>;
  private ids: number[] = [];

  /** @param makeEmpty builds zero-length past tensors (the backend's `emptyPast`). */
  constructor(private readonly makeEmpty: () => Map<string, BackendTensor>) {
    this.tensors = makeEmpty();
  }

  /** Number of cached positions (`past`). */
  get length(): number {
    return this.ids.length;
  }

  /** Token ids whose keys/values are cached, in position order. */
  get tokenIds(): readonly number[] {
    return this.ids;
  }

  /** The feeds for the next decoder run. */
  get past(): Map<string, BackendTensor> {
    return this.tensors;
  }

  /**
   * Replaces the cache with a run's `present` tensors (named `past_key_values.*`), which now cover `ids` appended
   * to the cached tokens; disposes the previous tensors.
   * @throws Error when a present tensor's length is not `length + ids.length` (model/config mismatch).
   */
  update(present: Map<string, BackendTensor>, ids: readonly number[]): void {
    const expected = this.ids.length + ids.length;
    for (const [name, t] of present) {
      if (t.dims[2] !== expected) {
        throw new Error(`KV cache: ${name} has ${t.dims[2]} positions, expected ${expected} (dims [${t.dims.join(', ')}])`);
      }
    }
    const old = this.tensors;
    this.tensors = present;
    for (const t of old.values()) t.dispose();
    for (const id of ids) this.ids.push(id);
  }

  /** Empties the cache (frees the tensors). */
  reset(): void {
    for (const t of this.tensors.values()) t.dispose();
    this.tensors = this.makeEmpty();
    this.ids = [];
  }

  /** Frees the tensors; the cache must not be used afterwards. */
  dispose(): void {
    for (const t of this.tensors.values()) t.dispose();
    this.tensors = new Map();
    this.ids = [];
  }
}
