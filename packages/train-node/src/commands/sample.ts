import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseLlamaConfig } from '@tinyzh/core';
import { BACKEND_NAMES, selectBackend, type BackendName } from '../backend/index.js';
import { UserError } from '../errors.js';
import { generate } from '../model/generate.js';
import { LlamaModel } from '../model/llama.js';
import { loadCheckpoint } from '../train/checkpoint.js';
import { resolveCheckpoint } from '../train/resolve-checkpoint.js';
import { loadTextCodec } from '../train/text-codec.js';
import { num, parseFlags, UsageError, withUsageExit } from './args.js';

const HELP = `usage: tinyzh-train sample --checkpoint <dir> [--prompt "…"] [options]

Generate text from a checkpoint (no KV cache: for checking a model, not for speed).
The prompt is preceded by </s>, the story separator the model was trained with.

  --checkpoint DIR         a checkpoint folder, or a run folder (uses checkpoints/best.json, else the newest)
  --prompt TEXT            beginning of the story (default: empty)
  --max-new-tokens N       (200)
  --temperature X (0.8)  --top-k N (40)  --top-p X (1)  --repetition-penalty X (1)  --seed N (0)
  --count N                number of samples (1), seeds seed, seed+1, …
  --backend ${BACKEND_NAMES.join('|')} (auto)`;

/** `tinyzh-train sample`. */
export function run(argv: string[]): Promise<number> {
  return withUsageExit(() => runCommand(argv));
}

async function runCommand(argv: string[]): Promise<number> {
  const f = parseFlags('sample', argv, {
    help: { type: 'boolean', short: 'h' }, checkpoint: { type: 'string' }, prompt: { type: 'string' },
    'max-new-tokens': { type: 'string' }, temperature: { type: 'string' }, 'top-k': { type: 'string' }, 'top-p': { type: 'string' },
    'repetition-penalty': { type: 'string' }, seed: { type: 'string' }, count: { type: 'string' }, backend: { type: 'string' },
  });
  if (f.help) {
    console.log(HELP);
    return 0;
  }
  if (!f.checkpoint) throw new UsageError('sample: --checkpoint <dir> is required');
  const path = resolveCheckpoint(f.checkpoint);
  const ck = await loadCheckpoint(path, parseLlamaConfig); // a bad config is a TinyzhError: one line from the CLI
  const tokPath = join(path, 'tokenizer.json');
  if (!existsSync(tokPath)) throw new UserError(`${tokPath}: not found (the checkpoint has no tokenizer)`);
  const codec = await loadTextCodec(tokPath);
  if (!codec.exact) console.error('note: @tinyzh/tokenizer could not be loaded; using a vocabulary-only decoder');
  await selectBackend((f.backend ?? 'auto') as BackendName);
  const model = new LlamaModel(ck.config);
  try {
    model.setWeights(ck.weights);
    const eos = ck.config.eos_token_id;
    const prompt = [eos, ...codec.encode(f.prompt ?? '')];
    const count = num('count', f.count, 1, { integer: true, min: 1 });
    const seed = num('seed', f.seed, 0, { integer: true });
    for (let i = 0; i < count; i++) {
      const ids = await generate(model, prompt, {
        maxNewTokens: num('max-new-tokens', f['max-new-tokens'], 200, { integer: true, min: 1 }),
        temperature: num('temperature', f.temperature, 0.8), topK: num('top-k', f['top-k'], 40, { integer: true, min: 0 }),
        topP: num('top-p', f['top-p'], 1, { min: 0 }), repetitionPenalty: num('repetition-penalty', f['repetition-penalty'], 1, { min: 0 }),
        seed: seed + i, stopId: eos,
      });
      console.log((f.prompt ?? '') + codec.decode(ids));
      if (i + 1 < count) console.log('---');
    }
    return 0;
  } finally {
    model.dispose();
  }
}
