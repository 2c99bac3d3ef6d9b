// Vite plugin: serves a tinyzh model folder next to the page (dev server) and copies it into
// dist/models/<folder name>/ (build), so the static site carries its model. Also tells the page, through the
// `__TINYZH_DEMO__` define, where the model is and which story openings its folder lists.
import { existsSync, readFileSync, readdirSync, statSync, createReadStream } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import type { Plugin } from 'vite';

/** Files of the model folder the browser never needs (the runtime reads the ONNX graphs). */
const SKIP = [/\.safetensors$/, /(^|\/)\./];

const MIME: Record<string, string> = {
  '.json': 'application/json',
  '.onnx': 'application/octet-stream',
  '.onnx_data': 'application/octet-stream',
  '.md': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** Slider defaults from generation_config.json (Hugging Face keys), when it sets them. */
export interface SamplingDefaults {
  temperature?: number;
  topP?: number;
  maxNewTokens?: number;
}

export interface ModelFolderInfo {
  folder: string;
  name: string;
  files: string[];
  examples: string[];
  sampling: SamplingDefaults;
}

function readJson(path: string): any {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`tinyzh demo: ${path} is not valid JSON: ${(err as Error).message}`);
  }
}

function walk(folder: string, dir = folder): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(folder, p));
    else if (entry.isFile()) out.push(relative(folder, p).split(sep).join('/'));
  }
  return out;
}

function toOpenings(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list
    .map((x) => (typeof x === 'string' ? x : (x?.prompt ?? x?.text ?? x?.opening)))
    .filter((s): s is string => typeof s === 'string' && s.trim() !== '');
}

/**
 * Describes a model folder: the files to publish (those in manifest.json plus the manifest, or every file when
 * there is no manifest; never `*.safetensors`), its story openings (generation_config.json `examples`, else
 * prompts.json) and its sampling defaults (generation_config.json `temperature`, `top_p`, `max_new_tokens`). Returns undefined when the folder does not exist.
 * @throws {Error} a JSON file of the folder does not parse, or the manifest names a missing file
 */
export function describeModelFolder(folder: string): ModelFolderInfo | undefined {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) return undefined;
  let files: string[];
  const manifestPath = join(folder, 'manifest.json');
  if (existsSync(manifestPath)) {
    const manifest = readJson(manifestPath);
    if (!Array.isArray(manifest?.files)) throw new Error(`tinyzh demo: ${manifestPath} has no "files" array`);
    files = ['manifest.json', ...manifest.files.map((f: { path: string }) => f.path)];
    for (const f of files) {
      if (!existsSync(join(folder, f))) throw new Error(`tinyzh demo: ${manifestPath} lists ${f}, which is missing`);
    }
    // Files next to the manifest that it does not list but the page may read (model card, prompts).
    for (const extra of ['README.md', 'prompts.json', 'generation_config.json']) {
      if (!files.includes(extra) && existsSync(join(folder, extra))) files.push(extra);
    }
  } else {
    files = walk(folder);
  }
  files = files.filter((f) => !SKIP.some((re) => re.test(f)));
  let examples: string[] = [];
  const sampling: SamplingDefaults = {};
  const gen = join(folder, 'generation_config.json');
  if (existsSync(gen)) {
    const g = readJson(gen);
    examples = toOpenings(g?.examples ?? g?.tinyzh?.examples);
    const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
    if (num(g?.temperature) && g.temperature >= 0) sampling.temperature = g.temperature;
    if (g?.do_sample === false) sampling.temperature = 0;
    if (num(g?.top_p) && g.top_p > 0 && g.top_p <= 1) sampling.topP = g.top_p;
    if (num(g?.max_new_tokens) && g.max_new_tokens >= 1) sampling.maxNewTokens = Math.floor(g.max_new_tokens);
  }
  const prompts = join(folder, 'prompts.json');
  if (examples.length === 0 && existsSync(prompts)) {
    const p = readJson(prompts);
    examples = toOpenings(Array.isArray(p) ? p : (p?.prompts ?? p?.examples));
  }
  return { folder, name: basename(folder), files, examples, sampling };
}

/**
 * @param folder the model folder to publish with the page; when it does not exist the build still succeeds and
 *   the page says that it has no model.
 */
export function tinyzhModel(folder: string): Plugin {
  const info = describeModelFolder(resolve(folder));
  const urlPrefix = info ? `/models/${info.name}/` : undefined;

  const middleware = (req: any, res: any, next: () => void) => {
    if (!info || !urlPrefix) return next();
    const url = decodeURIComponent((req.url ?? '').split('?')[0]);
    const at = url.indexOf(urlPrefix);
    if (at < 0) return next();
    const rel = url.slice(at + urlPrefix.length);
    if (!info.files.includes(rel)) return next();
    const path = join(info.folder, rel);
    const ext = rel.slice(rel.lastIndexOf('.'));
    res.setHeader('Content-Type', MIME[ext] ?? 'application/octet-stream');
    res.setHeader('Content-Length', String(statSync(path).size));
    createReadStream(path).pipe(res);
  };

  return {
    name: 'tinyzh-model',
    config() {
      return {
        define: {
          __TINYZH_DEMO__: JSON.stringify({
            modelPath: info ? `models/${info.name}/` : null,
            modelName: info?.name ?? basename(folder),
            examples: info?.examples ?? [],
            sampling: info?.sampling ?? {},
          }),
        },
      };
    },
    buildStart() {
      if (!info) this.warn(`model folder not found: ${resolve(folder)} — the page will say it has no model`);
    },
    configureServer(server) {
      server.middlewares.use(middleware);
    },
    generateBundle() {
      if (!info) return;
      for (const f of info.files) {
        this.emitFile({
          type: 'asset',
          fileName: `models/${info.name}/${f}`,
          source: readFileSync(join(info.folder, f)),
        });
      }
    },
  };
}
