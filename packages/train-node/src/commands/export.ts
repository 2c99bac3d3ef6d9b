/**
 * `tinyzh-train export --checkpoint <dir> --out <path> [--format hf|llama2c] [--onnx fp32,fp16,int8] [--force]`
 *
 * `hf` (default) writes the model folder of docs/formats.md; `llama2c` writes one llama2.c `.bin` file.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UsageError, UserError } from '../errors.js';
import { writeFileAtomic } from '../export/atomic.js';
import { loadLlamaModel } from '../export/checkpoint.js';
import { resolveCheckpoint } from '../train/resolve-checkpoint.js';
import { llama2cBin, llama2cTokenizerBin } from '../export/llama2c.js';
import { exportModelFolder } from '../export/model-folder.js';
import { checkLlama2cOut, checkModelFolderOut } from '../export/out-path.js';
import type { WeightFormat } from '../export/onnx/llama-decoder.js';

const HELP = `usage: tinyzh-train export --checkpoint <dir> --out <path> [options]

Exports a training checkpoint (a folder with config.json + model.safetensors + tokenizer.json, or a run folder:
the checkpoint checkpoints/best.json points to, else the latest checkpoints/step-*).

options:
  --checkpoint <dir>   checkpoint or run folder
  --out <path>         model folder to write: a new path, an empty folder, or a model folder from an earlier
                       export (one with manifest.json "format": "tinyzh-model"), which is replaced atomically.
                       Anything else is refused: a non-empty folder that is not a model folder (unless --force),
                       a file, the checkpoint/run folder or a folder inside or containing it, the current
                       directory or its parents. With --format llama2c, the .bin file: a new path or an
                       earlier llama2.c .bin (any other file only with --force; never a folder)
  --force              replace a non-empty --out folder that is not a model folder (everything in it is deleted),
                       or with --format llama2c overwrite a file that is not a llama2.c .bin/tokenizer.bin
  --format <f>         hf (default): config.json, tokenizer files, model.safetensors, onnx/*, manifest.json
                       llama2c: a llama2.c run.c checkpoint (.bin, legacy version 0) and its tokenizer
                       (<out>.tokenizer.bin, with --out ending in .bin replaced)
  --onnx <list>        ONNX variants for --format hf, comma-separated from fp32,fp16,int8,q4 (default all); "none"
                       (q4 uses onnxruntime's com.microsoft MatMulNBits: onnxruntime CPU/wasm/WebGPU only)
  -h, --help           this help`;

/** Parses `--onnx`. */
function parseVariants(value: string | undefined): WeightFormat[] {
  if (value === undefined) return ['fp32', 'fp16', 'int8', 'q4'];
  if (value === 'none') return [];
  const out: WeightFormat[] = [];
  for (const v of value.split(',').map((s) => s.trim())) {
    if (v !== 'fp32' && v !== 'fp16' && v !== 'int8' && v !== 'q4') throw new UsageError(`--onnx: unknown variant '${v}' (expected fp32, fp16, int8, q4 or none)`);
    out.push(v);
  }
  return out;
}

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        checkpoint: { type: 'string' },
        out: { type: 'string' },
        format: { type: 'string', default: 'hf' },
        onnx: { type: 'string' },
        force: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    throw new UserError(`export: ${(err as Error).message}\n\n${HELP}`);
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.checkpoint) throw new UserError(`export: --checkpoint is required\n\n${HELP}`);
  if (!values.out) throw new UserError(`export: --out is required\n\n${HELP}`);
  if (!existsSync(values.checkpoint)) throw new UserError(`export: checkpoint folder ${values.checkpoint} does not exist`);
  if (values.format !== 'hf' && values.format !== 'llama2c' && values.format !== 'gguf') throw new UserError(`export: unknown --format '${values.format}' (expected hf or llama2c)`);
  if (values.format === 'gguf') throw new UserError('export: --format gguf is not implemented; use llama.cpp convert_hf_to_gguf.py on the hf model folder');
  const onnx = parseVariants(values.onnx);
  const force = values.force === true;
  const dir = resolveCheckpoint(values.checkpoint, 'best');
  const rules = { command: 'export', sources: [values.checkpoint, dir], force };
  const tokPath = values.out.replace(/(\.bin)?$/, '.tokenizer.bin');
  // Check --out before the (slow) load; the llama2.c tokenizer path is checked again once we know it is written.
  if (values.format === 'llama2c') checkLlama2cOut(values.out, undefined, rules);
  else checkModelFolderOut(values.out, rules);
  const model = loadLlamaModel(dir);
  for (const name of model.ignored) console.error(`note: ignoring tensor ${name}`);
  const started = Date.now();
  if (values.format === 'llama2c') {
    checkLlama2cOut(values.out, model.tokenizerJson !== undefined ? tokPath : undefined, rules);
    const { bytes, warnings } = llama2cBin(model.config, model.weights);
    for (const w of warnings) console.error(`warning: ${w}`);
    writeFileAtomic(values.out, bytes);
    console.error(`wrote ${values.out} (${bytes.byteLength} bytes, llama2.c legacy format) in ${Date.now() - started} ms`);
    if (model.tokenizerJson !== undefined) {
      writeFileAtomic(tokPath, llama2cTokenizerBin(model.tokenizerJson, model.config.vocab_size));
      console.error(`wrote ${tokPath}; run it with: ./run ${values.out} -z ${tokPath} -i ""`);
    } else console.error('note: no tokenizer.json in the checkpoint, so no llama2.c tokenizer.bin');
    return 0;
  }
  const files = await exportModelFolder(model, values.out, {
    onnx,
    log: (m) => console.error(m),
    force,
    sources: [values.checkpoint],
  });
  for (const f of files) console.error(`  ${f.path.padEnd(28)} ${f.size.toLocaleString('en-US').padStart(14)} bytes`);
  console.error(`wrote model folder ${values.out} from ${dir} in ${Date.now() - started} ms`);
  return 0;
}
