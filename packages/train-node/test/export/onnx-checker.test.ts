/**
 * Every exported graph passes `onnx.checker.check_model(full_check=True)` (strict shape inference included).
 * Needs Python with the `onnx` package (≥ 1.12: IR 8, opset 17; Debian `python3-onnx`); skipped when absent, except under CI, where a missing
 * checker is a failure.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { float32ArrayToFloat16Bits } from '@tinyzh/core';
import { loadLlamaModel } from '../../src/export/checkpoint.js';
import { buildLlamaDecoderOnnx, type WeightFormat } from '../../src/export/onnx/llama-decoder.js';
import { FIXTURES } from './ort-helpers.js';

/** The first interpreter that imports onnx: $PYTHON, python3 on PATH (maybe pyenv), then Debian's /usr/bin/python3. */
const python = [process.env.PYTHON, 'python3', '/usr/bin/python3'].find(
  (p) => p && spawnSync(p, ['-c', 'import onnx'], { encoding: 'utf8' }).status === 0,
);
const hasOnnx = python !== undefined;
const tmp = mkdtempSync(join(tmpdir(), 'tinyzh-onnx-check-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const CHECK = `
import sys, onnx
for path in sys.argv[1:]:
    onnx.checker.check_model(onnx.load(path), full_check=True)
    print("ok", path)
`;

test.skipIf(!hasOnnx && !process.env.CI)('onnx.checker accepts the fp32, fp16, int8 and q4 graphs of both fixtures', () => {
  expect(hasOnnx, 'python3 with the onnx package is required under CI (Debian python3-onnx)').toBe(true);
  const paths: string[] = [];
  for (const name of ['tiny', 'llama2c-hf']) {
    const model = loadLlamaModel(join(FIXTURES, name));
    for (const format of ['fp32', 'fp16', 'int8', 'q4'] as WeightFormat[]) {
      const p = join(tmp, `${name}-${format}.onnx`);
      writeFileSync(p, buildLlamaDecoderOnnx(model.config, model.weights, { weightFormat: format, float32ToFloat16: float32ArrayToFloat16Bits }));
      paths.push(p);
    }
  }
  const r = spawnSync(python!, ['-c', CHECK, ...paths], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout.trim().split('\n')).toHaveLength(paths.length);
});
