/**
 * Checks of the `--out` path of `export` and `import-hf` before anything is written: the output replaces what is at
 * that path (a folder is swapped in atomically, a file renamed over), so only a path that is free, an empty folder or
 * a previous output of the same kind is replaced without `--force`; the source being read, any folder that contains
 * or lies inside it, and the working directory or its ancestors are never replaced.
 */
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UserError } from '../errors.js';

/** What `--out` currently is. */
export type OutState = 'missing' | 'empty-folder' | 'folder' | 'file' | 'other';

/**
 * Absolute path with symbolic links resolved in its existing part (the missing tail is appended as given), so that
 * `runcopy` → `run` links and `a/../b` spellings compare equal.
 */
export function canonicalPath(path: string): string {
  let head = resolve(path);
  const tail: string[] = [];
  for (;;) {
    try {
      return join(realpathSync(head), ...tail);
    } catch {
      const parent = dirname(head);
      if (parent === head) return join(head, ...tail);
      tail.unshift(basename(head));
      head = parent;
    }
  }
}

/** True when `inner` is `outer` or lies below it (both canonical). */
export function isSameOrInside(inner: string, outer: string): boolean {
  const rel = relative(outer, inner);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** Kind of thing at `path` (following links). */
export function outState(path: string): OutState {
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw fsError(path, err);
  }
  if (st.isDirectory()) return visibleEntries(path).length === 0 ? 'empty-folder' : 'folder';
  return st.isFile() ? 'file' : 'other';
}

/** Entries of a folder (all of them: hidden files are the user's too). */
function visibleEntries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (err) {
    throw fsError(dir, err);
  }
}

/**
 * One-line {@link UserError} for a file-system error at `path` (EISDIR, EBUSY, EACCES, ENOSPC…).
 * A UserError passes through unchanged.
 */
export function fsError(path: string, err: unknown): Error {
  if (err instanceof UserError) return err;
  const e = err as NodeJS.ErrnoException;
  const why = e.code ? `${e.code}${e.syscall ? ` (${e.syscall})` : ''}` : (e.message ?? String(err));
  return new UserError(`cannot write ${path}: ${why}`, { cause: err });
}

/** True when `dir/manifest.json` says `"format": "tinyzh-model"` (docs/formats.md "Model folder"). */
export function isModelFolder(dir: string): boolean {
  try {
    const j = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { format?: unknown };
    return j?.format === 'tinyzh-model';
  } catch {
    return false;
  }
}

/** Files of a weights-only checkpoint as `import-hf` writes it (docs/formats.md "Training checkpoint"). */
const IMPORTED_CHECKPOINT_FILES = new Set(['config.json', 'model.safetensors', 'tokenizer.json']);

/**
 * True when `dir` holds a weights-only tinyzh checkpoint (`model.safetensors` plus at most `config.json` and
 * `tokenizer.json`, names starting with `.` ignored): what `import-hf` writes. A training step checkpoint, which also
 * holds optimizer state, is not one (replacing it would lose that state).
 */
export function isImportedCheckpoint(dir: string): boolean {
  const names = visibleEntries(dir).filter((n) => !n.startsWith('.'));
  return names.includes('model.safetensors') && names.every((n) => IMPORTED_CHECKPOINT_FILES.has(n));
}

/**
 * True when `path` is a llama2.c legacy checkpoint: its 7-int32 header implies exactly its size
 * (layout in `llama2c.ts`).
 */
export function isLlama2cBin(path: string): boolean {
  // only the header and the size are read: a checkpoint can be large
  const bytes = Buffer.alloc(28);
  let size: number;
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    size = fstatSync(fd).size;
    if (size < 28 || readSync(fd, bytes, 0, 28, 0) !== 28) return false;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  const h = Array.from({ length: 7 }, (_, i) => bytes.readInt32LE(i * 4));
  const [dim, hidden, L, heads, kvHeads, vocabSigned, seqLen] = h as [number, number, number, number, number, number, number];
  if (dim <= 0 || hidden <= 0 || L <= 0 || heads <= 0 || kvHeads <= 0 || seqLen <= 0 || vocabSigned === 0) return false;
  if (dim % heads !== 0) return false;
  const vocab = Math.abs(vocabSigned);
  const headDim = dim / heads;
  const kvDim = headDim * kvHeads;
  const floats =
    vocab * dim + L * dim * 2 + L * dim * dim * 2 + L * kvDim * dim * 2 + L * hidden * dim * 3 + dim + seqLen * headDim + (vocabSigned < 0 ? vocab * dim : 0);
  return size === 28 + floats * 4;
}

/**
 * True when `path` is a llama2.c `tokenizer.bin`: `int32 max_token_length`, then records
 * `float32 score, int32 length ≤ max, bytes` that end exactly at the end of the file.
 */
export function isLlama2cTokenizerBin(path: string): boolean {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    return false;
  }
  if (bytes.byteLength < 4) return false;
  const max = bytes.readInt32LE(0);
  if (max < 0) return false;
  let off = 4;
  let n = 0;
  while (off < bytes.byteLength) {
    if (off + 8 > bytes.byteLength) return false;
    const len = bytes.readInt32LE(off + 4);
    if (len < 0 || len > max) return false;
    off += 8 + len;
    n++;
  }
  return off === bytes.byteLength && n > 0;
}

/** What `--out` must not touch and what may be replaced. */
export interface OutPathRules {
  /** Command name for messages (`export`, `import-hf`). */
  command: string;
  /** Source paths being read (the folder given and the checkpoint it resolved to): never equal to, inside or containing `--out`. */
  sources: string[];
  /** `--force` given. */
  force: boolean;
}

/** Refuses `out` when it is, contains or lies inside a source, or is the working directory or one of its ancestors. */
function refuseProtected(out: string, flag: string, rules: OutPathRules): void {
  const o = canonicalPath(out);
  const cwd = canonicalPath(process.cwd());
  if (isSameOrInside(cwd, o)) {
    throw new UserError(`${rules.command}: ${flag} ${out} is the current directory or one of its parents, which cannot be replaced; choose a new folder such as ${join(out, 'model')}`);
  }
  for (const s of rules.sources) {
    const src = canonicalPath(s);
    if (isSameOrInside(o, src)) {
      const where = o === src ? `is ${s} itself` : `is inside ${s}`;
      throw new UserError(`${rules.command}: ${flag} ${out} ${where}, which is being read; choose a path outside it (--force does not change this)`);
    }
    if (isSameOrInside(src, o)) {
      throw new UserError(`${rules.command}: ${flag} ${out} contains ${s}, which is being read, and would be replaced; choose a path outside it (--force does not change this)`);
    }
  }
}

/**
 * Checks `--out` of `export --format hf`: a missing path, an empty folder or a tinyzh model folder (replaced
 * atomically); a non-empty folder that is not a model folder only with `--force`; never a file, a source or the cwd.
 * @throws UserError naming the path and what to do
 */
export function checkModelFolderOut(out: string, rules: OutPathRules): void {
  refuseProtected(out, '--out', rules);
  const state = outState(out);
  if (state === 'missing' || state === 'empty-folder') return;
  if (state === 'file' || state === 'other') {
    throw new UserError(`${rules.command}: --out ${out} is a file, not a folder; a model folder is written as a folder: choose a new path (with --format llama2c, --out is the .bin file)`);
  }
  if (isModelFolder(out) || rules.force) return;
  throw new UserError(
    `${rules.command}: --out ${out} is a non-empty folder that is not a tinyzh model folder (no manifest.json with "format": "tinyzh-model"); choose a new or empty folder, or pass --force to replace it and everything in it`,
  );
}

/**
 * Checks `--out` (and the tokenizer path beside it, when one is written) of `export --format llama2c`: a missing path or an existing
 * llama2.c file is replaced; another file only with `--force`; never a folder, a source or the cwd.
 * @throws UserError naming the path and what to do
 */
export function checkLlama2cOut(out: string, tokenizerOut: string | undefined, rules: OutPathRules): void {
  const targets: [string, (p: string) => boolean, string][] = [[out, isLlama2cBin, 'llama2.c checkpoint']];
  if (tokenizerOut !== undefined) targets.push([tokenizerOut, isLlama2cTokenizerBin, 'llama2.c tokenizer.bin']);
  for (const [path, isOurs, what] of targets) {
    const flag = path === out ? '--out' : 'tokenizer path';
    refuseProtected(path, flag, rules);
    const state = outState(path);
    if (state === 'missing') continue;
    if (state === 'empty-folder' || state === 'folder') {
      throw new UserError(`${rules.command}: ${flag} ${path} is a folder; --format llama2c writes one file: give a file path such as ${join(path, 'model.bin')}`);
    }
    if (state === 'other') throw new UserError(`${rules.command}: ${flag} ${path} is not a regular file; choose another --out`);
    if (!isOurs(path) && !rules.force) {
      throw new UserError(`${rules.command}: ${flag} ${path} exists and is not a ${what}; choose another --out, or pass --force to overwrite it`);
    }
  }
}

/**
 * Checks `--out` of `import-hf`: a missing path, an empty folder or a weights-only checkpoint (replaced atomically);
 * another non-empty folder only with `--force`; never a file, the source or the cwd.
 * @throws UserError naming the path and what to do
 */
export function checkCheckpointOut(out: string, rules: OutPathRules): void {
  refuseProtected(out, '--out', rules);
  const state = outState(out);
  if (state === 'missing' || state === 'empty-folder') return;
  if (state === 'file' || state === 'other') throw new UserError(`${rules.command}: --out ${out} is a file, not a folder; choose a new folder path`);
  if (isImportedCheckpoint(out) || rules.force) return;
  throw new UserError(
    `${rules.command}: --out ${out} is a non-empty folder that is not a weights-only tinyzh checkpoint (only config.json, model.safetensors, tokenizer.json); choose a new or empty folder, or pass --force to replace it and everything in it`,
  );
}
