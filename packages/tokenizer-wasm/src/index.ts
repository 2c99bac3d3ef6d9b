/**
 * `@tinyzh/tokenizer`: byte-fallback BPE for Chinese in WebAssembly, compatible with Hugging Face `tokenizer.json`.
 *
 * ```ts
 * import { Tokenizer, trainBpe } from '@tinyzh/tokenizer';
 * const tok = await Tokenizer.fromJSON(await readFile('tokenizer.json', 'utf8'));
 * const ids = tok.encode('从前有一只小猫。', { addBos: true });
 * tok.decode(ids, { skipSpecialTokens: true }); // '从前有一只小猫。'
 * ```
 */
export { initTokenizer, defaultWasmUrl, type WasmSource } from './wasm.js';
export { Tokenizer, type EncodeOptions, type DecodeOptions } from './tokenizer.js';
export { DecodeStream } from './decode-stream.js';
export { utf8SequenceLength, utf8SecondByteRange } from './utf8.js';
export { trainBpe, type TrainBpeOptions } from './train.js';
export { TokenizerJsonError } from './tokenizer-json.js';
