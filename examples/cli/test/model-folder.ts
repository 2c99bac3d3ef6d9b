// Picks a tinyzh model folder for tests, or says why a story cannot be generated here yet.
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

/** Model folders at most `depth` levels below `dir`, in name order. */
function modelFolders(dir: string, depth: number): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  if (isModelFolder(dir)) return [dir];
  if (depth === 0) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== 'node_modules')
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => modelFolders(join(dir, e.name), depth - 1));
}

type Runtime = {
  createStoryteller?: (o: object) => Promise<{ dispose(): Promise<void> }>;
  defaultModelPath?: () => string;
};

/**
 * The model folder for tests, or why there is none:
 * 1. `$TINYZH_TEST_MODEL` (`TINYZH_TEST_MODEL_TRAINED=1`: it is a trained model, so its text is checked for Chinese); 2. the default model `packages/runtime-web/models/tinyzh-stories-tiny`;
 * 3. the first fixture model of the runtime or export tests that the runtime loads (a fixture that does not load is
 *    another package's business: it is passed over, and named in the skip reason when none loads).
 */
export async function pickTestModel(): Promise<{ model?: string; skip?: string; trained?: boolean }> {
  let runtime: Runtime;
  try {
    runtime = (await import('@tinyzh/runtime-web')) as Runtime;
  } catch (err) {
    return { skip: `@tinyzh/runtime-web cannot be imported (${String((err as Error).message).split('\n')[0]})` };
  }
  const create = runtime.createStoryteller;
  if (typeof create !== 'function') return { skip: '@tinyzh/runtime-web does not export createStoryteller yet' };

  if (process.env.TINYZH_TEST_MODEL) {
    return { model: resolve(process.env.TINYZH_TEST_MODEL), trained: process.env.TINYZH_TEST_MODEL_TRAINED === '1' };
  }
  const defaultModel = runtime.defaultModelPath?.() ?? join(repoRoot, 'packages/runtime-web/models/tinyzh-stories-tiny');
  if (isModelFolder(defaultModel)) return { model: defaultModel, trained: true };

  const reasons: string[] = [];
  const fixtures = [
    ...modelFolders(join(repoRoot, 'packages/runtime-web/test/fixtures'), 2),
    ...modelFolders(join(repoRoot, 'packages/train-node/test/fixtures/export'), 2),
  ];
  for (const dir of fixtures) {
    try {
      const teller = await create({ model: dir, device: 'wasm', worker: false });
      await teller.dispose();
      return { model: dir };
    } catch (err) {
      reasons.push(`${dir.slice(repoRoot.length + 1)}: ${String((err as Error).message).split('\n')[0].slice(0, 120)}`);
    }
  }
  return {
    skip:
      fixtures.length === 0
        ? 'no tinyzh model folder found (set TINYZH_TEST_MODEL)'
        : `no model folder loads (set TINYZH_TEST_MODEL): ${reasons.join('; ')}`,
  };
}
