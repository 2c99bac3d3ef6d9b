/**
 * Import of a Hugging Face Llama checkpoint (transformers `save_pretrained`, litgpt's `convert_from_litgpt`,
 * llama2.c's `export.py --version -1`) as a tinyzh checkpoint folder: `config.json` (normalised by `@tinyzh/core`),
 * `model.safetensors` (F32, the names of docs/formats.md) and `tokenizer.json` when the source has one.
 */
import { toHfConfigJson } from '@tinyzh/core';
import { writeFolderAtomic, type FolderFile } from './atomic.js';
import { loadLlamaModel, type LoadedModel } from './checkpoint.js';
import { modelSafetensors } from './model-folder.js';
import { checkCheckpointOut } from './out-path.js';

/** What {@link importHf} did. */
export interface ImportReport {
  model: LoadedModel;
  /** Files written, relative to the output folder. */
  files: string[];
  /** Things the user should know (ignored tensors, a missing tokenizer, narrowed dtypes widened). */
  notes: string[];
}

/** Options of {@link importHf}. */
export interface ImportOptions {
  /** Replace a non-empty `outDir` that is not a weights-only checkpoint (default false). */
  force?: boolean;
}

/**
 * Reads the Hugging Face folder `hfDir` and writes the checkpoint folder `outDir` atomically. `outDir` must be a new
 * path, an empty folder or a weights-only checkpoint (what import-hf writes); another non-empty folder only with
 * `force`; never a file, `hfDir`, a folder containing or inside it, or the working directory or its parents.
 * @throws UserError naming missing tensors, an unknown architecture or a config/checkpoint mismatch, an `outDir`
 *   that may not be replaced, or a file-system error while writing
 */
export function importHf(hfDir: string, outDir: string, opts: ImportOptions = {}): ImportReport {
  checkCheckpointOut(outDir, { command: 'import-hf', sources: [hfDir], force: opts.force === true });
  const model = loadLlamaModel(hfDir);
  const notes: string[] = [];
  if (model.ignored.length > 0) notes.push(`ignored ${model.ignored.length} non-parameter tensor(s): ${model.ignored.slice(0, 4).join(', ')}${model.ignored.length > 4 ? ', …' : ''}`);
  const dtypes = new Set(model.storedDtypes.values());
  if (!(dtypes.size === 1 && dtypes.has('F32'))) notes.push(`weights stored as ${[...dtypes].sort().join('/')} were widened to F32`);
  const files: FolderFile[] = [
    { path: 'config.json', bytes: new TextEncoder().encode(`${JSON.stringify(toHfConfigJson(model.config), null, 2)}\n`) },
    { path: 'model.safetensors', bytes: modelSafetensors(model) },
  ];
  if (model.tokenizerJson !== undefined) files.push({ path: 'tokenizer.json', bytes: new TextEncoder().encode(model.tokenizerJson) });
  else notes.push(`${hfDir} has no tokenizer.json: copy one into ${outDir} before exporting a model folder`);
  writeFolderAtomic(outDir, files);
  return { model, files: files.map((f) => f.path), notes };
}
