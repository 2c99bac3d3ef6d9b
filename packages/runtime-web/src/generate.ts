/**
 * Autoregressive generation: prefill the prompt, then one token per step until `</s>`, `maxNewTokens`, a stop
 * string or an abort; streams text through the tokenizer's decode stream (never a broken UTF-8 character).
 *
 * When the context would exceed the model's `max_position_embeddings`, the KV cache is dropped and the most recent
 * tokens are prefilled again at positions 0.. (a sliding window; `truncated: true` in the result).
 */
import type { SamplingOptions } from '@tinyzh/core';
import type { BackendDevice } from './backend/onnx.js';
import { StopStringFilter } from './stop-strings.js';
import { yieldToEventLoop } from './yield.js';

/** Why generation ended. */
export type FinishReason = 'eos' | 'length' | 'stop' | 'abort';

/** Options of one generation (sampling semantics: docs/formats.md "Sampling"). */
export interface GenerateOptions extends SamplingOptions {
  /** Most tokens to generate (default 256). */
  maxNewTokens?: number;
  /** Generation ends before the first occurrence of any of these strings (which are not emitted). */
  stop?: readonly string[];
  /** Aborts within one token; the engine stays usable. */
  signal?: AbortSignal;
}

/** Summary of one generation. */
export interface GenerationResult {
  /** All emitted text. */
  text: string;
  finishReason: FinishReason;
  /** Prompt length in tokens (including the prefix token). */
  promptTokens: number;
  /** Generated token ids (the `</s>` that ended generation is not included). */
  tokenIds: number[];
  /** Number of generated tokens. */
  tokens: number;
  /** Decode speed in tokens/s (tokens after the first, over the time after the first). */
  tokensPerSecond: number;
  /** Milliseconds from the call to the first sampled token (prefill included). */
  timeToFirstTokenMs: number;
  /** Milliseconds for the whole generation. */
  totalTimeMs: number;
  /** True when the context exceeded the model window and older tokens were dropped (sliding window). */
  truncated: boolean;
  /** Device that ran the model at the end ('webgpu', 'wasm' or 'cpu'). */
  device: BackendDevice;
  /** Where the last token was sampled: `'wgsl'` (on the GPU, 4 bytes read back) or `'cpu'` (logits read back). */
  sampler: string;
}

/** A causal LM with a KV cache, seen from the generation loop (implemented by the engine; fakes in tests). */
export interface TokenModel {
  /** The context window (`max_position_embeddings`). */
  readonly maxPositions: number;
  /** Tokens currently in the KV cache. */
  readonly cachedLength: number;
  /** Current device name (for the result). */
  readonly device: BackendDevice;
  /** Current sampler (for the result): `'wgsl'` or `'cpu'`. */
  readonly sampler?: string;
  /** Drops the KV cache. */
  reset(): void;
  /**
   * Appends `ids` to the KV cache and returns the next token sampled from the last position's logits.
   * @param step index of this sampled token in the generation (the RNG counter).
   * @param history all context tokens so far, for the repetition penalty.
   */
  next(ids: readonly number[], sampling: SamplingOptions, step: number, history: readonly number[], guard?: TokenGuard): Promise<number>;
}

/** Bans ids that would break the text (see `Utf8Guard`); the model's sampler must pick an id it `allows`. */
export interface TokenGuard {
  readonly midCharacter: boolean;
  allows(id: number): boolean;
  mask(logits: Float32Array): Float32Array;
  feed(id: number): void;
}

/** The streaming text decoder of `@tinyzh/tokenizer`. */
export interface DecodeStream {
  write(id: number): string;
  flush(): string;
}

const now = (): number => (globalThis.performance ?? Date).now();

/**
 * Runs one generation.
 * @param promptIds encoded prompt (non-empty; the engine adds the prefix token).
 * @param eosId `</s>` id; sampling it ends generation with `finishReason: 'eos'`.
 * @param onText called with each new piece of text, in order.
 * @param guard keeps the sampled byte tokens valid UTF-8 (the engine passes a `Utf8Guard`).
 * @throws Error on an empty prompt or a model error; an abort is not an error (`finishReason: 'abort'`).
 */
export async function generate(
  model: TokenModel,
  promptIds: readonly number[],
  eosId: number,
  decoder: DecodeStream,
  opts: GenerateOptions,
  onText: (text: string) => void,
  guard?: TokenGuard,
): Promise<GenerationResult> {
  if (promptIds.length === 0) throw new Error('generate: the prompt has no tokens');
  const t0 = now();
  const maxNewTokens = opts.maxNewTokens ?? 256;
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0) {
    throw new Error(`generate: maxNewTokens must be a non-negative integer, got ${typeof opts.maxNewTokens === 'string' ? JSON.stringify(opts.maxNewTokens) : opts.maxNewTokens}`);
  }
  const sampling: SamplingOptions = {
    temperature: opts.temperature,
    topK: opts.topK,
    topP: opts.topP,
    repetitionPenalty: opts.repetitionPenalty,
    repetitionPenaltyLastN: opts.repetitionPenaltyLastN,
    seed: opts.seed ?? ((Math.random() * 2 ** 32) >>> 0),
  };
  const maxPos = model.maxPositions;
  const history: number[] = [...promptIds];
  const generated: number[] = [];
  const stops = new StopStringFilter(opts.stop ?? []);
  let text = '';
  const emit = (piece: string): void => {
    if (piece.length === 0) return;
    text += piece;
    onText(piece);
  };

  let truncated = false;
  let feed: number[] = [...promptIds];
  // A prompt longer than the window: keep its most recent tokens, leaving room for some new ones.
  const promptRoom = maxPos - Math.min(Math.max(maxNewTokens, 1), Math.floor(maxPos / 2));
  if (feed.length > promptRoom) {
    feed = feed.slice(feed.length - promptRoom);
    truncated = true;
  }
  const keepOnShift = Math.max(1, Math.floor(maxPos / 2));

  model.reset();
  let finishReason: FinishReason = 'length';
  let tFirst = 0;
  let tLast = 0;
  let stopped = false;
  for (let step = 0; step < maxNewTokens; step++) {
    if (step > 0) await yieldToEventLoop(); // lets an abort message in (worker) before the next step
    if (opts.signal?.aborted) {
      finishReason = 'abort';
      break;
    }
    if (model.cachedLength + feed.length > maxPos) {
      model.reset();
      feed = history.slice(Math.max(0, history.length - keepOnShift));
      truncated = true;
    }
    const id = await model.next(feed, sampling, step, history, guard);
    guard?.feed(id);
    tLast = now();
    if (step === 0) tFirst = tLast;
    if (opts.signal?.aborted) {
      finishReason = 'abort';
      break;
    }
    if (id === eosId) {
      finishReason = 'eos';
      break;
    }
    history.push(id);
    generated.push(id);
    const r = stops.push(decoder.write(id));
    emit(r.text);
    if (r.stopped) {
      finishReason = 'stop';
      stopped = true;
      break;
    }
    feed = [id];
  }
  if (!stopped) {
    const r = stops.push(decoder.flush());
    emit(r.text);
    if (r.stopped) finishReason = 'stop';
    else emit(stops.flush());
  }
  const tEnd = now();
  const n = generated.length;
  const decodeMs = tLast - tFirst;
  // (Cloudflare workerd freezes timers during computation: the times there can be 0.)
  const tokensPerSecond = n > 1 && decodeMs > 0 ? ((n - 1) * 1000) / decodeMs : n > 0 && tEnd > t0 ? (n * 1000) / (tEnd - t0) : 0;
  return {
    text,
    finishReason,
    promptTokens: promptIds.length,
    tokenIds: generated,
    tokens: n,
    tokensPerSecond,
    timeToFirstTokenMs: tFirst > 0 ? tFirst - t0 : 0,
    totalTimeMs: tEnd - t0,
    truncated,
    device: model.device,
    sampler: model.sampler ?? 'cpu',
  };
}
