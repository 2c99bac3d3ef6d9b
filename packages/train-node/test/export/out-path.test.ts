/**
 * `export --out` / `import-hf --out` safety: only a new path, an empty folder or an earlier output of the same kind is
 * replaced; unrelated folders and files need --force; the source, folders around it and the cwd are never replaced.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeEach, describe, expect, test } from 'vitest';
import { run as exportCmd } from '../../src/commands/export.js';
import { run as importCmd } from '../../src/commands/import-hf.js';
import { UserError } from '../../src/errors.js';
import { writeFolderAtomic } from '../../src/export/atomic.js';
import { checkModelFolderOut, isLlama2cBin, isLlama2cTokenizerBin } from '../../src/export/out-path.js';
import { FIXTURES, quiet } from './ort-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'tinyzh-outpath-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));


/** Every file below `dir` with its bytes, to prove nothing changed. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out[join(e.parentPath, e.name)] = readFileSync(join(e.parentPath, e.name)).toString('base64');
  }
  return out;
}

let n = 0;
let root: string;
/** A training run: two step checkpoints with optimizer state, best.json and metrics.jsonl. */
let run: string;
let step: string;
beforeEach(() => {
  root = join(tmp, `case-${n++}`);
  run = join(root, 'run');
  step = join(run, 'checkpoints', 'step-00000010');
  cpSync(join(FIXTURES, 'tiny'), step, { recursive: true });
  writeFileSync(join(step, 'optimizer.safetensors'), 'moments');
  writeFileSync(join(step, 'trainer_state.json'), '{"format":"tinyzh-trainer-state"}');
  writeFileSync(join(run, 'checkpoints', 'best.json'), JSON.stringify({ step: 10, path: 'step-00000010', val_loss: 1 }));
  writeFileSync(join(run, 'metrics.jsonl'), '{"type":"train"}\n');
});

const exportTo = (out: string, ...more: string[]) => quiet(() => exportCmd(['--checkpoint', run, '--out', out, '--onnx', 'none', ...more]));

describe('export --format hf --out', () => {
  test('a new path, an empty folder and an earlier model folder are written', async () => {
    expect(await exportTo(join(root, 'new', 'model'))).toBe(0);
    mkdirSync(join(root, 'empty'));
    expect(await exportTo(join(root, 'empty'))).toBe(0);
    writeFileSync(join(root, 'empty', 'stale.txt'), 'x');
    expect(await exportTo(join(root, 'empty'))).toBe(0); // now a model folder: replaced atomically
    expect(existsSync(join(root, 'empty', 'stale.txt'))).toBe(false);
    expect(JSON.parse(readFileSync(join(root, 'empty', 'manifest.json'), 'utf8')).format).toBe('tinyzh-model');
  });

  test('a non-empty folder that is not a model folder is refused, kept intact, and replaced only with --force', async () => {
    const victim = join(root, 'victim');
    mkdirSync(join(victim, 'sub'), { recursive: true });
    writeFileSync(join(victim, 'notes.txt'), 'mine');
    writeFileSync(join(victim, 'sub', 'y'), 'mine too');
    const before = snapshot(victim);
    const p = exportTo(victim);
    await expect(p).rejects.toThrow(UserError);
    await expect(p).rejects.toThrow(/--out .*victim is a non-empty folder that is not a tinyzh model folder.*--force/);
    expect(snapshot(victim)).toEqual(before);
    // A manifest.json of another kind does not make it a model folder.
    writeFileSync(join(victim, 'manifest.json'), '{"format":"something-else"}');
    await expect(exportTo(victim)).rejects.toThrow(/not a tinyzh model folder/);
    expect(await exportTo(victim, '--force')).toBe(0);
    expect(existsSync(join(victim, 'notes.txt'))).toBe(false);
    expect(existsSync(join(victim, 'model.safetensors'))).toBe(true);
  });

  test('the run folder itself (also through a symlink or another spelling) is refused, even with --force', async () => {
    const before = snapshot(run);
    await expect(exportTo(run)).rejects.toThrow(/--out .*run is .*run itself, which is being read/);
    await expect(exportTo(run, '--force')).rejects.toThrow(/--force does not change this/);
    await expect(exportTo(join(run, 'checkpoints', '..'), '--force')).rejects.toThrow(/which is being read/);
    symlinkSync(run, join(root, 'runlink'));
    await expect(exportTo(join(root, 'runlink'), '--force')).rejects.toThrow(/which is being read/);
    expect(snapshot(run)).toEqual(before);
  });

  test('a folder inside or containing the checkpoint is refused, even with --force', async () => {
    const before = snapshot(run);
    await expect(exportTo(step, '--force')).rejects.toThrow(/is (inside|.* itself)/);
    await expect(exportTo(join(run, 'checkpoints'), '--force')).rejects.toThrow(/is (inside|.* itself)/);
    await expect(exportTo(join(run, 'exported'), '--force')).rejects.toThrow(/is (inside|.* itself)/);
    await expect(exportTo(root, '--force')).rejects.toThrow(/contains .*run, which is being read/);
    // The checkpoint folder given directly: its parents are refused too.
    await expect(quiet(() => exportCmd(['--checkpoint', step, '--out', join(run, 'checkpoints'), '--force']))).rejects.toThrow(/contains .*step-00000010/);
    expect(snapshot(run)).toEqual(before);
  });

  test('the weights file of the checkpoint (a file) is refused and left intact', async () => {
    const weights = join(step, 'model.safetensors');
    const before = readFileSync(weights);
    await expect(exportTo(weights, '--force')).rejects.toThrow(/model\.safetensors is inside .*run, which is being read/);
    expect(statSync(weights).isFile()).toBe(true);
    expect(readFileSync(weights).equals(before)).toBe(true);
    const other = join(root, 'file.txt');
    writeFileSync(other, 'x');
    await expect(exportTo(other)).rejects.toThrow(/file\.txt is a file, not a folder/);
    await expect(exportTo(other, '--force')).rejects.toThrow(/is a file/);
    expect(readFileSync(other, 'utf8')).toBe('x');
  });

  test('the current directory and its parents are refused', async () => {
    // Checked directly: nothing is written either way.
    for (const out of ['.', process.cwd(), '..', dirname(process.cwd()), '/']) {
      expect(() => checkModelFolderOut(out, { command: 'export', sources: [run], force: true }), out).toThrow(/current directory or one of its parents/);
    }
    await expect(exportTo('.', '--force')).rejects.toThrow(/--out \. is the current directory/);
  });

  const cli = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');
  test.skipIf(!existsSync(cli))('the CLI prints one line and exits 1 for --out . (no EBUSY stack trace)', () => {
    const cwd = join(root, 'work');
    mkdirSync(cwd);
    writeFileSync(join(cwd, 'keep.txt'), 'keep');
    const r = spawnSync(process.execPath, [cli, 'export', '--checkpoint', run, '--out', '.', '--onnx', 'none'], { cwd, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^tinyzh-train: export: --out \. is the current directory/);
    expect(readFileSync(join(cwd, 'keep.txt'), 'utf8')).toBe('keep');
  });
});

describe('export --format llama2c --out', () => {
  const l2c = (out: string, ...more: string[]) => quiet(() => exportCmd(['--checkpoint', run, '--out', out, '--format', 'llama2c', ...more]));

  test('writes a new .bin and replaces an earlier one; both files are recognised', async () => {
    const out = join(root, 'm.bin');
    expect(await l2c(out)).toBe(0);
    expect(isLlama2cBin(out)).toBe(true);
    expect(isLlama2cTokenizerBin(join(root, 'm.tokenizer.bin'))).toBe(true);
    expect(await l2c(out)).toBe(0);
  });

  test('an unrelated file is refused (kept) unless --force; a folder always', async () => {
    const out = join(root, 'notes.bin');
    writeFileSync(out, 'my notes');
    await expect(l2c(out)).rejects.toThrow(/notes\.bin exists and is not a llama2\.c checkpoint.*--force/);
    expect(readFileSync(out, 'utf8')).toBe('my notes');
    expect(isLlama2cBin(out)).toBe(false);
    expect(await l2c(out, '--force')).toBe(0);
    expect(isLlama2cBin(out)).toBe(true);
    // The tokenizer path beside it is checked the same way.
    const out2 = join(root, 'b.bin');
    writeFileSync(join(root, 'b.tokenizer.bin'), 'precious');
    await expect(l2c(out2)).rejects.toThrow(/b\.tokenizer\.bin exists and is not a llama2\.c tokenizer\.bin/);
    expect(existsSync(out2)).toBe(false);
    const dir = join(root, 'adir');
    mkdirSync(dir);
    await expect(l2c(dir, '--force')).rejects.toThrow(/adir is a folder; --format llama2c writes one file/);
  });

  test('a file inside the checkpoint or run is refused, even with --force', async () => {
    const weights = join(step, 'model.safetensors');
    const before = readFileSync(weights);
    await expect(l2c(weights, '--force')).rejects.toThrow(/is (inside|.* itself)/);
    await expect(l2c(join(run, 'metrics.jsonl'), '--force')).rejects.toThrow(/is (inside|.* itself)/);
    expect(readFileSync(weights).equals(before)).toBe(true);
  });
});

describe('import-hf --out', () => {
  const hf = () => {
    const dir = join(root, 'hf');
    cpSync(join(FIXTURES, 'tiny'), dir, { recursive: true });
    return dir;
  };
  const imp = (model: string, out: string, ...more: string[]) => quiet(() => importCmd(['--model', model, '--out', out, ...more]));

  test('a new path, an empty folder and an earlier import are written', async () => {
    const src = hf();
    const out = join(root, 'ck');
    expect(await imp(src, out)).toBe(0);
    expect(await imp(src, out)).toBe(0);
    mkdirSync(join(root, 'empty'));
    expect(await imp(src, join(root, 'empty'))).toBe(0);
    expect(existsSync(join(root, 'empty', 'model.safetensors'))).toBe(true);
  });

  test('another non-empty folder (or a training step with optimizer state) needs --force; a file is refused', async () => {
    const src = hf();
    const victim = join(root, 'victim');
    mkdirSync(victim);
    writeFileSync(join(victim, 'notes.txt'), 'mine');
    await expect(imp(src, victim)).rejects.toThrow(/victim is a non-empty folder that is not a weights-only tinyzh checkpoint.*--force/);
    expect(readFileSync(join(victim, 'notes.txt'), 'utf8')).toBe('mine');
    await expect(imp(src, step)).rejects.toThrow(/not a weights-only/);
    expect(existsSync(join(step, 'optimizer.safetensors'))).toBe(true);
    expect(await imp(src, victim, '--force')).toBe(0);
    expect(existsSync(join(victim, 'notes.txt'))).toBe(false);
    writeFileSync(join(root, 'f'), 'x');
    await expect(imp(src, join(root, 'f'), '--force')).rejects.toThrow(/is a file, not a folder/);
  });

  test('the source folder, a folder inside or containing it, and the cwd are refused, even with --force', async () => {
    const src = hf();
    const before = snapshot(src);
    await expect(imp(src, src, '--force')).rejects.toThrow(/is .*hf itself, which is being read/);
    await expect(imp(src, join(src, 'sub'), '--force')).rejects.toThrow(/is (inside|.* itself)/);
    await expect(imp(src, root, '--force')).rejects.toThrow(/contains .*hf/);
    await expect(imp(src, '.', '--force')).rejects.toThrow(/current directory/);
    expect(snapshot(src)).toEqual(before);
  });
});

describe('file-system errors at write time', () => {
  test('become one UserError line naming the path', () => {
    const file = join(tmp, 'plain-file');
    writeFileSync(file, 'x');
    // The parent of the output is a file: ENOTDIR from mkdir.
    const out = join(file, 'model');
    expect(() => writeFolderAtomic(out, [{ path: 'a.txt', bytes: new Uint8Array([1]) }])).toThrow(UserError);
    expect(() => writeFolderAtomic(out, [{ path: 'a.txt', bytes: new Uint8Array([1]) }])).toThrow(new RegExp(`^cannot write ${out}: E[A-Z]+`));
    expect(readFileSync(file, 'utf8')).toBe('x');
  });
});
