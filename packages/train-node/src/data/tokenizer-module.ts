/**
 * Lazy access to `@tinyzh/tokenizer` (the WebAssembly BPE tokenizer), so that reading and cleaning work
 * even where it is not built, and so that the module is loaded once per thread.
 */
import { UserError } from '../errors.js';

/** The part of `@tinyzh/tokenizer`'s `Tokenizer` used by the data pipeline. */
export interface TokenizerLike {
  encode(text: string, opts?: { addBos?: boolean; addEos?: boolean }): Uint32Array;
  encodeBatch(texts: string[], opts?: { addBos?: boolean; addEos?: boolean }): Uint32Array[];
  decode(ids: ArrayLike<number>, opts?: { skipSpecialTokens?: boolean }): string;
  toJSON(): string;
  dispose?(): void;
  readonly vocabSize: number;
  readonly eosId: number;
}

interface TokenizerModule {
  initTokenizer(wasm?: unknown): Promise<void>;
  Tokenizer: { fromJSON(json: string | object): Promise<TokenizerLike> };
  trainBpe(corpus: Iterable<string> | AsyncIterable<string>, opts: { vocabSize: number; minFrequency?: number }): Promise<TokenizerLike>;
}

const SPEC = '@tinyzh/tokenizer';
let loaded: Promise<TokenizerModule> | undefined;

/**
 * Import and initialise `@tinyzh/tokenizer`.
 * @throws UserError when the package cannot be loaded (not installed or not built)
 */
export function tokenizerModule(): Promise<TokenizerModule> {
  loaded ??= (async () => {
    let mod: TokenizerModule;
    try {
      mod = (await import(/* @vite-ignore */ SPEC)) as TokenizerModule;
    } catch (e) {
      throw new UserError(`cannot load ${SPEC} (build it: npm run build -w packages/tokenizer-wasm): ${(e as Error).message}`);
    }
    await mod.initTokenizer();
    return mod;
  })();
  return loaded;
}

/** Build a tokenizer from tokenizer.json text. */
export async function loadTokenizer(tokenizerJson: string): Promise<TokenizerLike> {
  return (await tokenizerModule()).Tokenizer.fromJSON(tokenizerJson);
}

/**
 * Replace `@tinyzh/tokenizer` in this thread (tests; `undefined` restores the real one). Worker threads are
 * not affected, so use it with `workers: 0`.
 */
export function setTokenizerModule(mod: TokenizerModule | undefined): void {
  loaded = mod ? Promise.resolve(mod) : undefined;
}
export type { TokenizerModule };
