/**
 * The model folder (docs/formats.md "Model folder"): everything `@tinyzh/runtime-web`, transformers.js and
 * transformers need to run a model, with a manifest of sizes and SHA-256 digests.
 *
 * ```
 * config.json  generation_config.json  tokenizer.json  tokenizer_config.json  model.safetensors
 * onnx/model.onnx (fp32)  onnx/model_fp16.onnx  onnx/model_quantized.onnx (int8 weights)  onnx/model_q4.onnx
 * (4-bit MatMulNBits)  manifest.json
 * ```
 */
import { createManifest, float32ArrayToFloat16Bits, fromFloat32, llamaTensorSpecs, toHfConfigJson, writeSafetensors, type TensorData } from '@tinyzh/core';
import { UserError } from '../errors.js';
import { writeFolderAtomic, type FolderFile } from './atomic.js';
import type { LoadedModel } from './checkpoint.js';
import { checkModelFolderOut } from './out-path.js';
import { generationConfigJson, tokenizerConfigJson, tokenizerIdCount } from './hf-files.js';
import { buildLlamaDecoderOnnx, type WeightFormat } from './onnx/llama-decoder.js';

/** File name of each ONNX variant, as transformers.js names them (`dtype` fp32 / fp16 / q8 / q4). */
export const ONNX_FILES: Readonly<Record<WeightFormat, string>> = {
  fp32: 'onnx/model.onnx',
  fp16: 'onnx/model_fp16.onnx',
  int8: 'onnx/model_quantized.onnx',
  q4: 'onnx/model_q4.onnx',
};

/** Options of {@link modelFolderFiles}. */
export interface ModelFolderOptions {
  /** ONNX variants to write (default all four). */
  onnx?: WeightFormat[];
  /** Progress messages (to stderr in the CLI). */
  log?: (message: string) => void;
  /** Replace a non-empty `outDir` that is not a tinyzh model folder (default false). */
  force?: boolean;
  /** More folders `outDir` must not be, contain or lie inside (besides `model.dir`), e.g. the run folder given. */
  sources?: string[];
}

const json = (v: unknown): Uint8Array => new TextEncoder().encode(`${JSON.stringify(v, null, 2)}\n`);

/** `model.safetensors` (F32, HF names, `{"format": "pt"}` metadata as transformers expects). */
export function modelSafetensors(model: Pick<LoadedModel, 'config' | 'weights'>): Uint8Array {
  const tensors = new Map<string, TensorData>();
  for (const spec of llamaTensorSpecs(model.config)) tensors.set(spec.name, fromFloat32(model.weights.get(spec.name)!, spec.shape, 'F32'));
  return writeSafetensors(tensors, { format: 'pt' });
}

/**
 * Builds every file of the model folder in memory, manifest last.
 * @throws UserError when the model has no tokenizer.json, or one with more ids than `vocab_size`
 */
export async function modelFolderFiles(model: LoadedModel, opts: ModelFolderOptions = {}): Promise<FolderFile[]> {
  const log = opts.log ?? (() => {});
  if (!model.tokenizerJson) throw new UserError(`${model.dir} has no tokenizer.json: a model folder needs one (copy the tokenizer the model was trained with there)`);
  let ids: number;
  try {
    ids = tokenizerIdCount(model.tokenizerJson);
  } catch (err) {
    throw new UserError(`${model.dir}/tokenizer.json: ${(err as Error).message}`);
  }
  if (ids > model.config.vocab_size) {
    throw new UserError(`${model.dir}: tokenizer.json has ${ids} token ids but config.json vocab_size is ${model.config.vocab_size} (was the model trained with another tokenizer?)`);
  }
  const files: FolderFile[] = [
    { path: 'config.json', bytes: json(toHfConfigJson(model.config)) },
    { path: 'generation_config.json', bytes: json(generationConfigJson(model.config)) },
    { path: 'tokenizer.json', bytes: new TextEncoder().encode(model.tokenizerJson) },
    { path: 'tokenizer_config.json', bytes: json(tokenizerConfigJson(model.config, model.tokenizerJson)) },
    { path: 'model.safetensors', bytes: modelSafetensors(model) },
  ];
  for (const format of opts.onnx ?? (['fp32', 'fp16', 'int8', 'q4'] as WeightFormat[])) {
    log(`building ${ONNX_FILES[format]}`);
    const bytes = buildLlamaDecoderOnnx(model.config, model.weights, { weightFormat: format, float32ToFloat16: float32ArrayToFloat16Bits });
    files.push({ path: ONNX_FILES[format], bytes });
  }
  const manifest = await createManifest(files);
  files.push({ path: 'manifest.json', bytes: json(manifest) });
  return files;
}

/**
 * Writes the model folder of `model` to `outDir` atomically (temporary folder + rename). `outDir` must be a new path,
 * an empty folder or a tinyzh model folder (a manifest.json with `"format": "tinyzh-model"`); another non-empty
 * folder only with `force`; never a file, `model.dir` or `opts.sources`, a folder containing or inside them, or the
 * working directory or its parents.
 * @returns the files written, with their sizes in bytes
 * @throws UserError naming `outDir` when it may not be replaced, or for a file-system error while writing
 */
export async function exportModelFolder(model: LoadedModel, outDir: string, opts: ModelFolderOptions = {}): Promise<{ path: string; size: number }[]> {
  checkModelFolderOut(outDir, { command: 'export', sources: [model.dir, ...(opts.sources ?? [])], force: opts.force === true });
  const files = await modelFolderFiles(model, opts);
  writeFolderAtomic(outDir, files);
  return files.map((f) => ({ path: f.path, size: f.bytes.byteLength }));
}
