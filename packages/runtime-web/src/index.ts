/**
 * @tinyzh/runtime-web — run tinyzh Chinese story models in browsers (WebGPU or WASM, in a Web Worker) and in
 * Node, Deno, Bun and Cloudflare workerd.
 * @packageDocumentation
 */
export { createStoryteller, type Storyteller, type StorytellerOptions } from './storyteller.js';
export type { GenerationStream } from './text-stream.js';
export type { GenerateOptions, GenerationResult, FinishReason } from './generate.js';
export type { LoadProgress } from './load.js';
export { defaultModelUrl, type DeviceOption, type ModelDtype, type ModelInfo, type EngineOptions } from './engine.js';
import { defaultModelUrl } from './engine.js';

/** Path of the default model folder in Node (`models/tinyzh-stories-tiny/` of this package); a URL elsewhere. */
export function defaultModelPath(): string {
  const u = defaultModelUrl();
  return u.protocol === 'file:' ? decodeURIComponent(u.pathname) : u.href;
}
export { SAMPLER_WGSL } from './sampler.wgsl.js';
