/**
 * The object `generate()` returns: an async iterable of text pieces (push-based queue fed by the engine, directly or
 * through a comlink proxy callback from the worker) with a `result` promise for the summary. Breaking out of a
 * `for await` loop aborts the generation.
 */
import type { GenerationResult } from './generate.js';

/** Streamed text of one generation; iterate it, then (or instead) await `result`. */
export interface GenerationStream extends AsyncIterableIterator<string, GenerationResult | undefined> {
  /** Resolves when generation ends (also on abort: `finishReason: 'abort'`); rejects on a model error. */
  readonly result: Promise<GenerationResult>;
  /** Aborts the generation (same as the `signal` option). */
  abort(): void;
}

/** Queue implementation of {@link GenerationStream}. */
export class TextQueue implements GenerationStream {
  private readonly pieces: string[] = [];
  private waiter: ((r: IteratorResult<string, GenerationResult | undefined>) => void) | undefined;
  private failWaiter: ((e: unknown) => void) | undefined;
  private finished: GenerationResult | undefined;
  private error: unknown;
  private ended = false;
  readonly result: Promise<GenerationResult>;
  private resolveResult!: (r: GenerationResult) => void;
  private rejectResult!: (e: unknown) => void;

  /** @param onAbort called when the consumer aborts or stops iterating early. */
  constructor(private readonly onAbort: () => void) {
    this.result = new Promise<GenerationResult>((res, rej) => {
      this.resolveResult = res;
      this.rejectResult = rej;
    });
    // Consumers that only iterate must not see an unhandled rejection; the iterator rethrows the error.
    this.result.catch(() => undefined);
  }

  /** Engine side: a new piece of text. */
  push(text: string): void {
    if (this.ended || text.length === 0) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = this.failWaiter = undefined;
      w({ value: text, done: false });
    } else {
      this.pieces.push(text);
    }
  }

  /** Engine side: generation ended. */
  finish(result: GenerationResult): void {
    if (this.ended) return;
    this.ended = true;
    this.finished = result;
    this.resolveResult(result);
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = this.failWaiter = undefined;
      w({ value: result, done: true });
    }
  }

  /** Engine side: generation failed. */
  fail(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.error = error ?? new Error('generation failed');
    this.rejectResult(this.error);
    if (this.failWaiter) {
      const f = this.failWaiter;
      this.waiter = this.failWaiter = undefined;
      f(this.error);
    }
  }

  next(): Promise<IteratorResult<string, GenerationResult | undefined>> {
    if (this.pieces.length > 0) return Promise.resolve({ value: this.pieces.shift()!, done: false });
    if (this.ended) {
      if (this.error !== undefined) return Promise.reject(this.error);
      return Promise.resolve({ value: this.finished, done: true });
    }
    return new Promise((resolve, reject) => {
      this.waiter = resolve;
      this.failWaiter = reject;
    });
  }

  async return(): Promise<IteratorResult<string, GenerationResult | undefined>> {
    if (!this.ended) this.onAbort();
    this.pieces.length = 0;
    const r = await this.result.catch(() => undefined);
    return { value: r, done: true };
  }

  abort(): void {
    if (!this.ended) this.onAbort();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
