/**
 * The tiny random-weights model folder exported by @tinyzh/train-node (vocab 320, 2 layers, 2 KV heads, head_dim 16,
 * window 128), as a folder the runtime can load.
 *
 * Its tokenizer.json was written without the tinyzh `pre_tokenizer` that @tinyzh/tokenizer requires; when the real
 * tokenizer rejects it, a copy is made in a temporary folder with that one field added (vocab and merges unchanged)
 * and manifest.json rewritten.
 */
import { cpSync, rmSync, mkdtempSync, readFileSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createManifest } from '@tinyzh/core';
import { Tokenizer, initTokenizer, trainBpe } from '@tinyzh/tokenizer';

export const EXPORT_FIXTURE_DIR = fileURLToPath(new URL('../../../train-node/test/fixtures/export/tiny-random/', import.meta.url));

function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? listFiles(p, base) : [relative(base, p).split('\\').join('/')];
  });
}

/** Rewrites `dir/manifest.json` from the files in `dir`. */
export async function rewriteManifest(dir: string): Promise<void> {
  const files = listFiles(dir)
    .filter((p) => p !== 'manifest.json')
    .map((path) => ({ path, bytes: new Uint8Array(readFileSync(join(dir, path))) }));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(await createManifest(files), null, 2));
}

const copies: string[] = [];

/** Copies a model folder to a new temporary folder (removed by {@link removeCopies}). */
export function copyModel(src: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tinyzh-rt-'));
  cpSync(src, dir, { recursive: true });
  copies.push(dir);
  return dir;
}

/** Removes the temporary folders made by {@link copyModel} in this test file. */
export function removeCopies(): void {
  for (const d of copies.splice(0)) rmSync(d, { recursive: true, force: true });
  ready = undefined;
}

let ready: Promise<string> | undefined;

/** Path of a loadable copy of the fixture (the fixture itself when its tokenizer loads as is). */
export function fixtureModelDir(): Promise<string> {
  ready ??= (async () => {
    await initTokenizer();
    const text = readFileSync(join(EXPORT_FIXTURE_DIR, 'tokenizer.json'), 'utf8');
    try {
      (await Tokenizer.fromJSON(text)).dispose();
      return EXPORT_FIXTURE_DIR;
    } catch {
      const ref = await trainBpe(['从前'], { vocabSize: 270 });
      const pre = JSON.parse(ref.toJSON()).pre_tokenizer;
      ref.dispose();
      const dir = copyModel(EXPORT_FIXTURE_DIR);
      const j = JSON.parse(text);
      j.pre_tokenizer = pre;
      writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(j));
      await rewriteManifest(dir);
      return dir;
    }
  })();
  return ready;
}
