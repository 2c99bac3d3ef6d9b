import { parseLlamaConfig } from '@tinyzh/core';
import { BACKEND_NAMES, selectBackend, type BackendName } from '../backend/index.js';
import { UserError } from '../errors.js';
import { LlamaModel } from '../model/llama.js';
import { loadCheckpoint } from '../train/checkpoint.js';
import { readPreparedIndex, TokenShards } from '../train/data-loader.js';
import { resolveCheckpoint } from '../train/resolve-checkpoint.js';
import { checkTokenizerMatch } from '../train/tokenizer-match.js';
import { evaluate } from '../train/trainer.js';
import { num, parseFlags, UsageError, withUsageExit } from './args.js';

const HELP = `usage: tinyzh-train eval --checkpoint <dir> --data <prepared dir> [options]

Validation loss (nats), perplexity and bits per character of a checkpoint on the prepared val split.

  --checkpoint DIR     a checkpoint folder, or a run folder (uses checkpoints/best.json, else the newest)
  --data DIR           prepared data folder
  --block-size T       tokens per window (default max_position_embeddings)
  --eval-tokens N      at most N validation tokens (default: the whole split)
  --batch-size B       windows per forward pass (default 8)
  --backend ${BACKEND_NAMES.join('|')} (auto)
  --json               print one JSON object`;

/** `tinyzh-train eval`. */
export function run(argv: string[]): Promise<number> {
  return withUsageExit(() => runCommand(argv));
}

async function runCommand(argv: string[]): Promise<number> {
  const f = parseFlags('eval', argv, {
    help: { type: 'boolean', short: 'h' }, checkpoint: { type: 'string' }, data: { type: 'string' },
    'block-size': { type: 'string' }, 'eval-tokens': { type: 'string' }, 'batch-size': { type: 'string' },
    backend: { type: 'string' }, json: { type: 'boolean' },
  });
  if (f.help) {
    console.log(HELP);
    return 0;
  }
  if (!f.checkpoint) throw new UsageError('eval: --checkpoint <dir> is required');
  if (!f.data) throw new UsageError('eval: --data <prepared dir> is required');
  const path = resolveCheckpoint(f.checkpoint);
  const ck = await loadCheckpoint(path, parseLlamaConfig); // a bad config is a TinyzhError: one line from the CLI
  const index = readPreparedIndex(f.data);
  checkTokenizerMatch('eval', path, f.data, index, ck.config.vocab_size);
  const blockSize = num('block-size', f['block-size'], ck.config.max_position_embeddings, { integer: true, min: 1 });
  const backend = await selectBackend((f.backend ?? 'auto') as BackendName);
  const model = new LlamaModel(ck.config);
  const val = new TokenShards(f.data, index, 'val');
  val.vocabLimit = ck.config.vocab_size;
  try {
    model.setWeights(ck.weights);
    const t0 = performance.now();
    const r = await evaluate(model, val, index, blockSize, num('eval-tokens', f['eval-tokens'], Number.MAX_SAFE_INTEGER, { integer: true, min: 1 }), num('batch-size', f['batch-size'], 8, { integer: true, min: 1 }));
    const secs = (performance.now() - t0) / 1000;
    if (f.json) console.log(JSON.stringify({ checkpoint: path, backend, ...r, seconds: secs }));
    else console.log(`${path}: val loss ${r.loss.toFixed(4)} nats | perplexity ${r.perplexity.toFixed(2)} | bits/char ${r.bitsPerChar?.toFixed(4) ?? 'n/a'} | ${r.tokens.toLocaleString('en-US')} tokens in ${secs.toFixed(1)} s (${backend})`);
    return 0;
  } finally {
    val.close();
    model.dispose();
  }
}
