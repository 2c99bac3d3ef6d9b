/**
 * Writing a whole folder atomically: every file goes into a temporary sibling folder, which then replaces the target
 * with `rename` (a reader sees the old folder or the new one, never half of one).
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fsError } from './out-path.js';

/** A file to write, `path` relative to the folder (forward slashes). */
export interface FolderFile {
  path: string;
  bytes: Uint8Array;
}

/** Best-effort clean-up after a failed write: its own error must not hide the first one. */
function cleanUp(f: () => void): void {
  try {
    f();
  } catch {
    // The first error is the one reported.
  }
}

/**
 * Writes `files` as the folder `outDir`, replacing what was there (callers check first that `outDir` may be
 * replaced: see `out-path.ts`). When the final swap fails the old folder is put back.
 * @throws UserError naming `outDir` and the error code for any file-system error (the temporary folder is removed)
 */
export function writeFolderAtomic(outDir: string, files: FolderFile[]): void {
  const parent = dirname(outDir);
  const tag = `${process.pid}-${Date.now().toString(36)}`;
  const tmp = join(parent, `.${basename(outDir)}.tmp-${tag}`);
  try {
    mkdirSync(parent, { recursive: true });
    for (const f of files) {
      const p = join(tmp, ...f.path.split('/'));
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, f.bytes);
    }
    if (existsSync(outDir)) {
      const old = join(parent, `.${basename(outDir)}.old-${tag}`);
      renameSync(outDir, old);
      try {
        renameSync(tmp, outDir);
      } catch (err) {
        cleanUp(() => renameSync(old, outDir));
        throw err;
      }
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, outDir);
    }
  } catch (err) {
    cleanUp(() => rmSync(tmp, { recursive: true, force: true }));
    throw fsError(outDir, err);
  }
}

/**
 * Writes one file atomically (temporary sibling + rename).
 * @throws UserError naming `path` and the error code for any file-system error
 */
export function writeFileAtomic(path: string, bytes: Uint8Array | string): void {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Date.now().toString(36)}`);
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (err) {
    cleanUp(() => rmSync(tmp, { force: true }));
    throw fsError(path, err);
  }
}
