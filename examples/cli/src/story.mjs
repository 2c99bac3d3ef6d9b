// `tinyzh story`: stream a story from a tinyzh model to the terminal with @tinyzh/runtime-web, in-process.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { randomInt } from 'node:crypto';
import { parseStoryArgs, UsageError, USAGE, DEFAULT_GENERATE } from './args.mjs';
import {
  readOpenings,
  readGenerationDefaults,
  defaultModelFolder,
  pickOpening,
  FALLBACK_OPENINGS,
} from './model-folder.mjs';

/** An error whose message is all the user needs: printed as one line, exit code 1. */
export class CliError extends Error {
  constructor(message) {
    super(message);
    this.name = 'CliError';
  }
}

const isUrl = (s) => /^https?:\/\//i.test(s);

/** Loads the runtime, or says in one line why it cannot be used. */
async function loadRuntime() {
  let runtime;
  try {
    runtime = await import('@tinyzh/runtime-web');
  } catch (err) {
    throw new CliError(
      `cannot load @tinyzh/runtime-web (${String(err?.message ?? err).split('\n')[0]}); ` +
        'build it first: npm run build (at the repository root)',
    );
  }
  if (typeof runtime.createStoryteller !== 'function') {
    throw new CliError(
      '@tinyzh/runtime-web has no createStoryteller export yet; build it first: npm run build (at the repository root)',
    );
  }
  return runtime;
}

/** Checks a --model folder before the runtime sees it, so the message names what is missing. */
function checkModelFolder(model) {
  if (isUrl(model)) return model;
  const folder = resolve(model);
  if (!existsSync(folder)) throw new CliError(`model folder not found: ${folder}`);
  if (!statSync(folder).isDirectory()) throw new CliError(`--model must be a folder (or URL), got a file: ${folder}`);
  if (!existsSync(resolve(folder, 'config.json')) && !existsSync(resolve(folder, 'manifest.json'))) {
    throw new CliError(`not a tinyzh model folder (no config.json or manifest.json): ${folder}`);
  }
  return folder;
}

const isAbortError = (err) => err?.name === 'AbortError' || err?.code === 'ABORT_ERR';

/**
 * Formats the end-of-story line for stderr.
 * @param {object} s { finishReason, tokens, tokensPerSecond, seconds, device, seed, truncated }
 */
export function formatStats(s) {
  const parts = [`finish: ${s.finishReason ?? 'unknown'}`];
  if (s.tokens !== undefined) parts.push(`${s.tokens} tokens`);
  if (s.tokensPerSecond !== undefined && Number.isFinite(s.tokensPerSecond)) {
    parts.push(`${s.tokensPerSecond.toFixed(1)} tokens/s`);
  }
  if (s.timeToFirstTokenMs !== undefined) parts.push(`first token ${Math.round(s.timeToFirstTokenMs)} ms`);
  if (s.device) parts.push(`device ${s.device}`);
  parts.push(`seed ${s.seed}`);
  if (s.truncated) parts.push('context window reached: kept the most recent tokens');
  return `[${parts.join(' · ')}]`;
}

/**
 * The statistics line's fields from the runtime's `GenerationResult` (undefined when generation failed before it).
 * `tokensPerSecond` is the runtime's decode speed (tokens after the first, over the time after the first).
 */
function statsFrom(result, teller) {
  return {
    finishReason: result?.finishReason,
    tokens: result?.tokens,
    tokensPerSecond: result?.tokensPerSecond,
    timeToFirstTokenMs: result?.timeToFirstTokenMs,
    device: result?.device ?? teller?.device,
    truncated: result?.truncated,
  };
}

/** Reads a stream to its end as UTF-8 text. */
async function readAll(stream) {
  const chunks = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Runs `tinyzh story` with the given arguments.
 * @param {string[]} argv the arguments after `story`
 * @param {{ stdin?: NodeJS.ReadableStream, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream,
 *   signal?: AbortSignal, onGenerate?: () => void }} io
 *   `signal` aborts the generation (Ctrl-C): the text so far stays printed and the exit code is 130.
 *   `stdin` gives the prompt `-` (default `process.stdin`); `onGenerate` is called when loading is over and
 *   generation starts.
 * @returns {Promise<number>} exit code: 0 done, 130 stopped by the signal
 * @throws {UsageError | CliError} bad flags, missing model, runtime errors (one-line messages)
 */
export async function runStory(argv, io) {
  const opts = parseStoryArgs(argv);
  if (opts.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  const model = opts.model !== undefined ? checkModelFolder(opts.model) : undefined;
  const runtime = await loadRuntime();
  const seed = opts.seed ?? randomInt(0, 2 ** 32 - 1);

  // The model folder (when found) supplies default sampling settings and, without a prompt, the opening.
  const folder = model ?? defaultModelFolder(runtime);
  const generate = { ...DEFAULT_GENERATE, ...(folder ? await readGenerationDefaults(folder) : {}), ...opts.generate };
  let prompt = opts.prompt;
  if (prompt === '-') {
    // `tinyzh story -`: the prompt is the whole of stdin (one trailing line break dropped); empty → an opening
    const text = (await readAll(io.stdin ?? process.stdin)).replace(/\r?\n$/, '');
    prompt = text.trim() === '' ? undefined : text;
  }
  if (prompt === undefined) {
    let openings = folder ? await readOpenings(folder) : [];
    if (openings.length === 0) {
      openings = FALLBACK_OPENINGS;
      if (!opts.quiet) io.stderr.write('(the model folder lists no example openings; using a built-in one)\n');
    }
    prompt = pickOpening(openings, seed);
  }

  let lastPct = -1;
  // LoadProgress { file, loaded, total, status } per model file: one self-overwriting line on a terminal.
  const onProgress = (p) => {
    if (opts.quiet || !io.stderr.isTTY || !(p.total > 0)) return;
    const pct = Math.floor((100 * p.loaded) / p.total);
    if (pct === lastPct) return;
    lastPct = pct;
    io.stderr.write(`\rloading ${p.file} ${pct}%\x1b[K`);
  };

  let teller;
  try {
    teller = await runtime.createStoryteller({
      ...(model !== undefined ? { model } : {}),
      device: opts.device,
      onProgress,
    });
  } catch (err) {
    if (lastPct >= 0) io.stderr.write('\r\x1b[K');
    const where = model ?? 'the default model (tinyzh-stories-tiny)';
    throw new CliError(`cannot load ${where}: ${String(err?.message ?? err).split('\n')[0]}`);
  }
  if (lastPct >= 0) io.stderr.write('\r\x1b[K');

  let result;
  let aborted = false;
  io.onGenerate?.();
  try {
    io.stdout.write(prompt);
    // GenerationStream: an async iterator of text pieces, then `result` (GenerationResult; also on abort).
    const stream = teller.generate(prompt, { ...generate, seed, signal: io.signal });
    for await (const text of stream) io.stdout.write(text);
    result = await stream.result;
    aborted = result?.finishReason === 'abort' || io.signal?.aborted === true;
  } catch (err) {
    if (io.signal?.aborted || isAbortError(err)) {
      aborted = true;
    } else {
      io.stdout.write('\n');
      throw new CliError(`generation failed: ${String(err?.message ?? err).split('\n')[0]}`);
    }
  } finally {
    await teller.dispose();
  }
  io.stdout.write('\n');

  const stats = statsFrom(result, teller);
  if (aborted) stats.finishReason ??= 'abort';
  if (!opts.quiet) io.stderr.write(`${formatStats({ ...stats, seed })}\n`);
  return aborted ? 130 : 0;
}

export { UsageError };
