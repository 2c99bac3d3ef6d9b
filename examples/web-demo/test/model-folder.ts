// Finds a small tinyzh model folder for tests, and says why generation cannot be tested when none works yet.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

function isModelFolder(dir: string): boolean {
  const manifest = join(dir, 'manifest.json');
  if (!existsSync(manifest)) return false;
  try {
    return JSON.parse(readFileSync(manifest, 'utf8'))?.format === 'tinyzh-model';
  } catch {
    return false;
  }
}

function search(dir: string, depth: number): string | undefined {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return undefined;
  if (isModelFolder(dir)) return dir;
  if (depth === 0) return undefined;
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.isDirectory() && e.name !== 'node_modules') {
      const found = search(join(dir, e.name), depth - 1);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * A model folder for tests: $TINYZH_TEST_MODEL, else a fixture model of the export or runtime tests, else the
 * default model `packages/runtime-web/models/tinyzh-stories-tiny`.
 */
export function findTestModel(): string | undefined {
  const env = process.env.TINYZH_TEST_MODEL;
  if (env) return resolve(env);
  for (const dir of [
    'packages/train-node/test/fixtures/export',
    'packages/runtime-web/test/fixtures',
    'packages/runtime-web/models/tinyzh-stories-tiny',
  ]) {
    const found = search(join(repoRoot, dir), 3);
    if (found) return found;
  }
  return undefined;
}

/** Why a story cannot be generated here yet, or undefined when the runtime and a model folder are there. */
export async function whyCannotGenerate(model: string | undefined): Promise<string | undefined> {
  if (!model) return 'no tinyzh model folder found (set TINYZH_TEST_MODEL)';
  try {
    const runtime: Record<string, unknown> = await import('@tinyzh/runtime-web');
    if (typeof runtime.createStoryteller !== 'function') {
      return '@tinyzh/runtime-web does not export createStoryteller yet';
    }
  } catch (err) {
    return `@tinyzh/runtime-web cannot be imported (${String((err as Error).message).split('\n')[0]})`;
  }
  return undefined;
}
