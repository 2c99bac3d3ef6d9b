// What `tinyzh story` reads from a model folder besides the model itself: the story openings it offers (used when
// no prompt is given) and its default sampling settings (Hugging Face generation_config.json keys).
//
// Openings (first found wins):
//   generation_config.json  { "examples": ["从前，有一只小兔子", ...] }     (strings, or objects with `prompt`/`text`)
//   prompts.json            ["从前，...", ...]  or  { "prompts": [...] }  or  { "examples": [...] }
// Sampling defaults: generation_config.json `temperature`, `top_p`, `top_k`, `repetition_penalty`,
//   `max_new_tokens`, and `do_sample: false` (greedy).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';

/** Openings used when the model folder lists none. */
export const FALLBACK_OPENINGS = ['从前，有一只小兔子', '有一天，小明在公园里', '森林里住着一只小熊'];

/** Folder name of the project's default model inside `@tinyzh/runtime-web`. */
export const DEFAULT_MODEL_NAME = 'tinyzh-stories-tiny';

/** @param {unknown} list @returns {string[]} the non-empty strings of a JSON list of openings */
function toOpenings(list) {
  if (!Array.isArray(list)) return [];
  const out = [];
  for (const item of list) {
    const s = typeof item === 'string' ? item : (item?.prompt ?? item?.text ?? item?.opening);
    if (typeof s === 'string' && s.trim() !== '') out.push(s);
  }
  return out;
}

/** Reads a JSON file of a model folder (path or URL); undefined when it does not exist. */
async function readModelJson(model, file) {
  let text;
  if (/^https?:\/\//i.test(model)) {
    const url = new URL(file, model.endsWith('/') ? model : `${model}/`);
    let res;
    try {
      res = await fetch(url);
    } catch {
      return undefined;
    }
    if (!res.ok) return undefined;
    text = await res.text();
  } else {
    const path = join(model, file);
    if (!existsSync(path)) return undefined;
    text = await readFile(path, 'utf8');
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${file} in ${model} is not valid JSON: ${err.message}`);
  }
}

/**
 * The story openings a model folder offers.
 * @param {string} model model folder path or URL
 * @returns {Promise<string[]>} possibly empty
 * @throws {Error} when generation_config.json or prompts.json exists but is not JSON
 */
export async function readOpenings(model) {
  const gen = await readModelJson(model, 'generation_config.json');
  const fromGen = toOpenings(gen?.examples ?? gen?.tinyzh?.examples);
  if (fromGen.length > 0) return fromGen;
  const prompts = await readModelJson(model, 'prompts.json');
  return toOpenings(Array.isArray(prompts) ? prompts : (prompts?.prompts ?? prompts?.examples));
}

/**
 * Default generation options of a model folder, from the Hugging Face keys of its generation_config.json.
 * Only keys present (and of the right type) appear in the result.
 * @param {string} model model folder path or URL
 * @returns {Promise<{ maxNewTokens?: number, temperature?: number, topP?: number, topK?: number,
 *   repetitionPenalty?: number }>}
 * @throws {Error} when generation_config.json exists but is not JSON
 */
export async function readGenerationDefaults(model) {
  const g = await readModelJson(model, 'generation_config.json');
  if (!g || typeof g !== 'object') return {};
  const out = {};
  const num = (v) => typeof v === 'number' && Number.isFinite(v);
  if (num(g.max_new_tokens) && g.max_new_tokens >= 1) out.maxNewTokens = Math.floor(g.max_new_tokens);
  if (num(g.temperature) && g.temperature >= 0) out.temperature = g.temperature;
  if (num(g.top_p) && g.top_p > 0 && g.top_p <= 1) out.topP = g.top_p;
  if (num(g.top_k) && g.top_k >= 0) out.topK = Math.floor(g.top_k);
  if (num(g.repetition_penalty) && g.repetition_penalty > 0) out.repetitionPenalty = g.repetition_penalty;
  if (g.do_sample === false) out.temperature = 0;
  return out;
}

/**
 * The folder of the default model shipped with `@tinyzh/runtime-web`, or undefined when not found.
 * Prefers what the runtime itself exports (`defaultModelPath`/`DEFAULT_MODEL_PATH`), then
 * `<runtime-web package>/models/tinyzh-stories-tiny/`.
 * @param {Record<string, unknown>} runtime the imported runtime module
 */
export function defaultModelFolder(runtime) {
  for (const key of ['defaultModelPath', 'DEFAULT_MODEL_PATH', 'defaultModelDir', 'DEFAULT_MODEL_DIR']) {
    const v = runtime?.[key];
    const p = typeof v === 'function' ? v() : v;
    if (typeof p === 'string' && p !== '') return p;
    if (p instanceof URL) return p.protocol === 'file:' ? decodeURIComponent(p.pathname) : p.href;
  }
  try {
    const require = createRequire(import.meta.url);
    const pkgJson = require.resolve('@tinyzh/runtime-web/package.json');
    const folder = join(dirname(pkgJson), 'models', DEFAULT_MODEL_NAME);
    return existsSync(folder) ? folder : undefined;
  } catch {
    // package.json not exported: look next to the resolved entry point (dist/index.js → ../models)
    try {
      const entry = decodeURIComponent(new URL(import.meta.resolve('@tinyzh/runtime-web')).pathname);
      const folder = join(dirname(entry), '..', 'models', DEFAULT_MODEL_NAME);
      return existsSync(folder) ? folder : undefined;
    } catch {
      return undefined;
    }
  }
}

/**
 * Picks one opening; the same seed picks the same one.
 * @param {string[]} openings non-empty
 * @param {number} seed uint32
 */
export function pickOpening(openings, seed) {
  return openings[seed % openings.length];
}
