/** `tinyzh-train export` / `import-hf`: folder contents, manifest, atomic replacement, round trip, clear errors. */
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parseManifest, readSafetensors, verifyManifestFile } from '@tinyzh/core';
import { run as exportCmd } from '../../src/commands/export.js';
import { run as importCmd } from '../../src/commands/import-hf.js';
import { readBytes } from '../../src/export/checkpoint.js';
import { FIXTURES, quiet } from './ort-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'tinyzh-export-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));


describe('export --format hf', () => {
  const out = join(tmp, 'model');

  test('writes every file of the model folder with a valid manifest', async () => {
    expect(await quiet(() => exportCmd(['--checkpoint', join(FIXTURES, 'tiny'), '--out', out]))).toBe(0);
    const expected = [
      'config.json',
      'generation_config.json',
      'manifest.json',
      'model.safetensors',
      'onnx/model.onnx',
      'onnx/model_fp16.onnx',
      'onnx/model_q4.onnx',
      'onnx/model_quantized.onnx',
      'tokenizer.json',
      'tokenizer_config.json',
    ];
    const listed = readdirSync(out, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name).slice(out.length + 1))
      .sort();
    expect(listed).toEqual(expected);
    const manifest = parseManifest(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')));
    expect(manifest.files.map((f) => f.path)).toEqual(expected.filter((p) => p !== 'manifest.json'));
    for (const f of manifest.files) await verifyManifestFile(manifest, f.path, readBytes(join(out, f.path)));
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config.architectures).toEqual(['LlamaForCausalLM']);
    const tokConfig = JSON.parse(readFileSync(join(out, 'tokenizer_config.json'), 'utf8'));
    expect(tokConfig).toMatchObject({ tokenizer_class: 'PreTrainedTokenizerFast', bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', pad_token: '<pad>', clean_up_tokenization_spaces: false });
    // No temporary folders left beside the output.
    expect(readdirSync(tmp).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  test('the committed tiny-random model folder is what export writes today', async () => {
    // Regenerate with: node dist/cli.js export --checkpoint test/fixtures/export/tiny --out test/fixtures/export/tiny-random
    const committed = join(FIXTURES, 'tiny-random');
    for (const f of ['manifest.json', 'onnx/model.onnx', 'onnx/model_fp16.onnx', 'onnx/model_quantized.onnx', 'onnx/model_q4.onnx', 'tokenizer_config.json', 'config.json']) {
      expect(Buffer.from(readBytes(join(committed, f))).equals(Buffer.from(readBytes(join(out, f)))), `${f} is stale`).toBe(true);
    }
  });

  test('export → import-hf → export gives identical tensors', async () => {
    const ckpt = join(tmp, 'imported');
    expect(await quiet(() => importCmd(['--model', out, '--out', ckpt]))).toBe(0);
    const again = join(tmp, 'model2');
    expect(await quiet(() => exportCmd(['--checkpoint', ckpt, '--out', again, '--onnx', 'fp32']))).toBe(0);
    const a = readSafetensors(readBytes(join(out, 'model.safetensors'))).tensors;
    const b = readSafetensors(readBytes(join(again, 'model.safetensors'))).tensors;
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [name, t] of a) expect(Buffer.from(b.get(name)!.data).equals(Buffer.from(t.data)), name).toBe(true);
    expect(Buffer.from(readBytes(join(again, 'onnx/model.onnx'))).equals(Buffer.from(readBytes(join(out, 'onnx/model.onnx'))))).toBe(true);
  });

  test('re-export replaces the folder atomically (stale files disappear)', async () => {
    writeFileSync(join(out, 'stale.txt'), 'x');
    expect(await quiet(() => exportCmd(['--checkpoint', join(FIXTURES, 'tiny'), '--out', out, '--onnx', 'none']))).toBe(0);
    expect(existsSync(join(out, 'stale.txt'))).toBe(false);
    expect(existsSync(join(out, 'onnx'))).toBe(false);
  });

  test('a training run folder exports the checkpoint best.json points to', async () => {
    const run = join(tmp, 'run');
    cpSync(join(FIXTURES, 'tiny'), join(run, 'checkpoints', 'step-00000010'), { recursive: true });
    cpSync(join(FIXTURES, 'llama2c-hf'), join(run, 'checkpoints', 'step-00000020'), { recursive: true });
    writeFileSync(join(run, 'checkpoints', 'best.json'), JSON.stringify({ step: 10, path: 'step-00000010', val_loss: 1 }));
    const target = join(tmp, 'from-run');
    expect(await quiet(() => exportCmd(['--checkpoint', run, '--out', target, '--onnx', 'none']))).toBe(0);
    expect(JSON.parse(readFileSync(join(target, 'config.json'), 'utf8')).vocab_size).toBe(320);
  });

  test('import of a llama2.c-shaped HF checkpoint (F16, untied, inv_freq buffers) runs and widens to F32', async () => {
    const ckpt = join(tmp, 'l2c');
    expect(await quiet(() => importCmd(['--model', join(FIXTURES, 'llama2c-hf'), '--out', ckpt]))).toBe(0);
    const t = readSafetensors(readBytes(join(ckpt, 'model.safetensors'))).tensors;
    expect(t.get('lm_head.weight')!.dtype).toBe('F32');
    expect([...t.keys()].some((k) => k.includes('inv_freq'))).toBe(false);
  });
});

describe('clear errors', () => {
  const broken = (name: string, edit: (dir: string) => void): string => {
    const dir = join(tmp, name);
    cpSync(join(FIXTURES, 'tiny'), dir, { recursive: true });
    edit(dir);
    return dir;
  };
  const configOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));

  test('missing tensor names the tensor', async () => {
    const dir = broken('untied', (d) => writeFileSync(join(d, 'config.json'), JSON.stringify({ ...configOf(d), tie_word_embeddings: false })));
    await expect(exportCmd(['--checkpoint', dir, '--out', join(tmp, 'x')])).rejects.toThrow(/missing tensor lm_head\.weight/);
  });

  test('config mismatch names tensor and shapes', async () => {
    const dir = broken('wide', (d) => writeFileSync(join(d, 'config.json'), JSON.stringify({ ...configOf(d), intermediate_size: 128 })));
    await expect(importCmd(['--model', dir, '--out', join(tmp, 'y')])).rejects.toThrow(/mismatch: model\.layers\.0\.mlp\.gate_proj\.weight is \[160, 64\], config\.json implies \[128, 64\]/);
  });

  test('unknown architecture is named', async () => {
    const dir = broken('gpt2', (d) => writeFileSync(join(d, 'config.json'), JSON.stringify({ ...configOf(d), model_type: 'gpt2', architectures: ['GPT2LMHeadModel'] })));
    await expect(importCmd(['--model', dir, '--out', join(tmp, 'z')])).rejects.toThrow(/model_type.*gpt2/);
  });

  test('missing or mismatched tokenizer, corrupted safetensors', async () => {
    const noTok = broken('no-tok', (d) => rmSync(join(d, 'tokenizer.json')));
    await expect(exportCmd(['--checkpoint', noTok, '--out', join(tmp, 'nt')])).rejects.toThrow(/has no tokenizer\.json/);
    const smallVocab = broken('small-vocab', (d) => {
      const tok = JSON.parse(readFileSync(join(d, 'tokenizer.json'), 'utf8'));
      tok.model.vocab['extra'] = 400;
      writeFileSync(join(d, 'tokenizer.json'), JSON.stringify(tok));
    });
    await expect(exportCmd(['--checkpoint', smallVocab, '--out', join(tmp, 'sv')])).rejects.toThrow(/401 token ids but config\.json vocab_size is 320/);
    const corrupt = broken('corrupt', (d) => {
      const bytes = readFileSync(join(d, 'model.safetensors'));
      writeFileSync(join(d, 'model.safetensors'), bytes.subarray(0, bytes.length - 100));
    });
    await expect(exportCmd(['--checkpoint', corrupt, '--out', join(tmp, 'cs')])).rejects.toThrow(/model\.safetensors/);
  });

  test('missing flags and folders', async () => {
    await expect(exportCmd(['--out', join(tmp, 'q')])).rejects.toThrow(/--checkpoint is required/);
    await expect(exportCmd(['--checkpoint', join(tmp, 'nope'), '--out', join(tmp, 'q')])).rejects.toThrow(/does not exist/);
    await expect(exportCmd(['--checkpoint', join(FIXTURES, 'tiny'), '--out', join(tmp, 'q'), '--onnx', 'int4'])).rejects.toThrow(/unknown variant 'int4'/);
  });
});
