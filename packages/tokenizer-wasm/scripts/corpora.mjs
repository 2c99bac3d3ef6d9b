// Texts of every corpus in ../shared/data (read by the fixture scripts and the benchmark, never by tests).
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

/** Folder of the shared data: $TINYZH_SHARED_DATA or <repo>/../shared/data. */
export const SHARED_DATA =
  process.env.TINYZH_SHARED_DATA ?? resolve(fileURLToPath(new URL('../../../../shared/data', import.meta.url)));

function jsonl(path) {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      try {
        return JSON.parse(l);
      } catch (e) {
        throw new Error(`${path}:${i + 1}: invalid JSON (${e.message})`);
      }
    });
}

/** `{ name: string[] }`: the texts of each corpus. */
export function loadCorpora(dir = SHARED_DATA) {
  if (!existsSync(dir)) throw new Error(`shared data not found at ${dir} (set TINYZH_SHARED_DATA)`);
  const out = {};
  const zh = jsonl(`${dir}/tinystories-zh/sample.jsonl`);
  out['tinystories-zh'] = zh.map((r) => r.story_zh).filter(Boolean);
  out['tinystories-zh-en'] = zh.flatMap((r) => [r.story, r.summary]).filter((s) => typeof s === 'string');
  out['storybooks-zh'] = jsonl(`${dir}/storybooks-zh/cc-by.jsonl`).map((r) => r.text);
  out['tinystories-en'] = jsonl(`${dir}/tinystories-en/sample.jsonl`).map((r) => r.text);
  const syn = jsonl(`${dir}/synthetic-zh/sample-2k.jsonl`);
  out['synthetic-zh'] = syn.map((r) => r.story_zh);
  out['synthetic-zh-summary'] = syn.map((r) => r.summary_zh).filter(Boolean);
  return out;
}
