// Command-line flags of `tinyzh story`, parsed with node:util parseArgs and checked into plain options.
import { parseArgs } from 'node:util';

/** A mistake in the command line: printed as one line, exit code 2, no stack trace. */
export class UsageError extends Error {
  constructor(message) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `Usage: tinyzh story [prompt] [options]

Streams a Chinese story from a tinyzh model to the terminal. Without a prompt it starts from one of the model
folder's example openings; with \`-\` as the prompt it reads the prompt from stdin.

Options:
  --max-new-tokens N   tokens to generate at most (default 300)
  --temperature T      0 = greedy, higher = more varied (default 0.8)
  --top-p P            nucleus sampling, in [0, 1] (default 0.9)
  --top-k K            keep the K most likely tokens, 0 = off (default 0)
  --repetition-penalty R  1 = off (default 1)
                       (defaults: the model folder's generation_config.json when it sets them)
  --seed S             same seed, same story (default: random, printed at the end)
  --model PATH|URL     model folder or its URL (default: tinyzh-stories-tiny)
  --device D           auto | cpu | wasm | webgpu (default auto: cpu, i.e. native
                       onnxruntime-node, when installed, else wasm)
  -q, --quiet          print only the story (no stats on stderr)
  -h, --help           show this help
`;

const OPTIONS = {
  'max-new-tokens': { type: 'string' },
  temperature: { type: 'string' },
  'top-p': { type: 'string' },
  'top-k': { type: 'string' },
  'repetition-penalty': { type: 'string' },
  seed: { type: 'string' },
  model: { type: 'string' },
  device: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
};

const DEVICES = ['auto', 'cpu', 'wasm', 'webgpu'];

/** Generation options when neither a flag nor the model folder's generation_config.json sets them. */
export const DEFAULT_GENERATE = { maxNewTokens: 300, temperature: 0.8, topP: 0.9, topK: 0, repetitionPenalty: 1 };

const NEGATIVE = /^-(\d|\.\d)/;

/**
 * Joins `--flag -5` into `--flag=-5` for flags that take a value, so a negative number reaches the range check
 * instead of making parseArgs stop with "argument is ambiguous" (the approach of train-node's args.ts).
 * `--flag=-5` and everything after a `--` terminator pass unchanged.
 * @param {string[]} argv
 * @returns {string[]}
 */
export function joinNegativeValues(argv) {
  const out = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    if (a.startsWith('--') && !a.includes('=') && OPTIONS[a.slice(2)]?.type === 'string' && next !== undefined && NEGATIVE.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** Parses a number flag; `check` says what range is allowed. */
function numberFlag(name, raw, { integer = false, min = -Infinity, max = Infinity, minExclusive = false } = {}) {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  const ok =
    raw.trim() !== '' &&
    Number.isFinite(value) &&
    (!integer || Number.isInteger(value)) &&
    (minExclusive ? value > min : value >= min) &&
    value <= max;
  if (!ok) {
    const kind = integer ? 'an integer' : 'a number';
    const range =
      max === Infinity
        ? `${minExclusive ? '>' : '>='} ${min}`
        : `in ${minExclusive ? '(' : '['}${min}, ${max}]`;
    throw new UsageError(`--${name} must be ${kind} ${range}, got "${raw}"`);
  }
  return value;
}

/**
 * Parses the arguments after `story`.
 * @param {string[]} argv e.g. `['从前', '--seed', '1']`
 * @returns {{ help: boolean, quiet: boolean, prompt: string | undefined, model: string | undefined,
 *   device: 'auto'|'cpu'|'wasm'|'webgpu', seed: number | undefined, generate: Record<string, number> }}
 *   `generate` holds only the options given on the command line.
 * @throws {UsageError} unknown flag, missing value, value out of range, more than one prompt
 */
export function parseStoryArgs(argv) {
  let parsed;
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv), options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    // parseArgs messages are already one line ("Unknown option '--foo'..."); keep only the first sentence-ish line.
    const msg = String(err?.message ?? err)
      .split('\n')[0]
      .replace(/\. To specify a positional argument.*$/, '');
    throw new UsageError(msg);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) {
    throw new UsageError(
      `expected at most one prompt, got ${positionals.length} (quote a prompt that contains spaces)`,
    );
  }
  const device = values.device ?? 'auto';
  if (!DEVICES.includes(device)) {
    throw new UsageError(`--device must be one of ${DEVICES.join(', ')}, got "${device}"`);
  }
  if (values.model !== undefined && values.model.trim() === '') {
    throw new UsageError('--model must name a model folder or URL');
  }
  // Only the flags given: the model folder's defaults and DEFAULT_GENERATE fill in the rest.
  const generate = {};
  const set = (key, value) => {
    if (value !== undefined) generate[key] = value;
  };
  set('maxNewTokens', numberFlag('max-new-tokens', values['max-new-tokens'], { integer: true, min: 1, max: 100_000 }));
  set('temperature', numberFlag('temperature', values.temperature, { min: 0, max: 100 }));
  set('topP', numberFlag('top-p', values['top-p'], { min: 0, max: 1 }));
  set('topK', numberFlag('top-k', values['top-k'], { integer: true, min: 0 }));
  set('repetitionPenalty', numberFlag('repetition-penalty', values['repetition-penalty'], { min: 0, minExclusive: true, max: 100 }));
  const seed = numberFlag('seed', values.seed, { integer: true, min: 0, max: 2 ** 32 - 1 });
  const prompt = positionals[0];
  return {
    help: values.help ?? false,
    quiet: values.quiet ?? false,
    prompt: prompt === undefined || prompt.trim() === '' ? undefined : prompt,
    model: values.model,
    device,
    seed,
    generate,
  };
}
