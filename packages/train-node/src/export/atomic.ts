/**
 * Writing a whole folder atomically: every file goes into a temporary sibling folder, which then replaces the target
 * with `rename` (a reader sees the old folder or the new one, never half of one).
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** A file to write, `path` relative to the folder (forward slashes). */
export interface FolderFile {
  path: string;
  bytes: Uint8Array;
}

/**
 * Writes `files` as the folder `outDir`, replacing what was there.
 * @throws Error from the file system (the temporary folder is removed first)
 */
export function writeFolderAtomic(outDir: string, files: FolderFile[]): void {
  const parent = dirname(outDir);
  mkdirSync(parent, { recursive: true });
  const tag = `${process.pid}-${Date.now().toString(36)}`;
  const tmp = join(parent, `.${basename(outDir)}.tmp-${tag}`);
  try {
    for (const f of files) {
      const p = join(tmp, ...f.path.split('/'));
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, f.bytes);
    }
    if (existsSync(outDir)) {
      const old = join(parent, `.${basename(outDir)}.old-${tag}`);
      renameSync(outDir, old);
      renameSync(tmp, outDir);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, outDir);
    }
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** Writes one file atomically (temporary sibling + rename). */
export function writeFileAtomic(path: string, bytes: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Date.now().toString(36)}`);
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
