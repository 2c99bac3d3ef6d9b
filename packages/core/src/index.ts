/**
 * `@tinyzh/core`: what every tinyzh package shares — the Llama model config (Hugging Face names) and presets, the
 * parameter tensor list, safetensors reading and writing, float16/bfloat16 conversion, model-folder manifests, and the
 * reference CPU sampler with its counter-based RNG. No platform-specific imports: runs in Node, browsers, Deno, Bun
 * and workerd.
 * @packageDocumentation
 */
/** Version of this package. */
export const VERSION = '0.1.0';

export * from './errors.js';
export * from './config.js';
export * from './presets.js';
export * from './tensor-specs.js';
export * from './dtype.js';
export * from './safetensors.js';
export * from './manifest.js';
export * from './rng.js';
export * from './sampler.js';
export * from './rope.js';
