/**
 * `tinyzh-train import-hf --model <hf folder> --out <checkpoint dir>`: a Hugging Face Llama checkpoint
 * (config.json + model.safetensors or sharded safetensors; F32/F16/BF16) becomes a tinyzh checkpoint folder.
 */
import { parseArgs } from 'node:util';
import { UserError } from '../errors.js';
import { importHf } from '../export/import-hf.js';

const HELP = `usage: tinyzh-train import-hf --model <hf folder> --out <checkpoint dir> [--force]

Reads config.json and model.safetensors (or model.safetensors.index.json shards) of a LlamaForCausalLM checkpoint —
transformers save_pretrained, litgpt convert_from_litgpt, llama2.c export.py --version -1 — and writes config.json,
model.safetensors (F32) and tokenizer.json (when present) to --out, which export and train --resume can read.

options:
  --model <dir>   Hugging Face model folder
  --out <dir>     checkpoint folder to write: a new path, an empty folder, or a checkpoint from an earlier
                  import-hf (only config.json, model.safetensors, tokenizer.json), which is replaced atomically.
                  Refused: another non-empty folder (unless --force), a file, the --model folder or a folder
                  inside or containing it, the current directory or its parents
  --force         replace a non-empty --out folder that is not such a checkpoint (everything in it is deleted)
  -h, --help      this help`;

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { model: { type: 'string' }, out: { type: 'string' }, force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (err) {
    throw new UserError(`import-hf: ${(err as Error).message}\n\n${HELP}`);
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.model) throw new UserError(`import-hf: --model is required\n\n${HELP}`);
  if (!values.out) throw new UserError(`import-hf: --out is required\n\n${HELP}`);
  const report = importHf(values.model, values.out, { force: values.force === true });
  for (const n of report.notes) console.error(`note: ${n}`);
  const c = report.model.config;
  console.error(
    `imported ${values.model} → ${values.out}: ${c.num_hidden_layers} layers, hidden ${c.hidden_size}, ` +
      `${c.num_attention_heads}/${c.num_key_value_heads} heads, vocab ${c.vocab_size} (${report.files.join(', ')})`,
  );
  return 0;
}
