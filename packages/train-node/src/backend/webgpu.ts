import * as tf from '@tensorflow/tfjs-core';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors.js';

/** The Dawn instance; kept referenced for the process lifetime (dawn.node crashes if it is collected). */
let gpuInstance: unknown;
/** Every Dawn instance created, kept alive for the same reason. */
const allInstances: unknown[] = [];

/**
 * Register tfjs's WebGPU backend in Node through the `webgpu` npm package (Dawn's `dawn.node`), following
 * shared/notes/tfjs-training-findings.md: try Dawn's default backend (Vulkan/Metal/D3D12) first, then its
 * OpenGL ES backend on a surfaceless EGL display (which is what works with Mesa's software drivers); install a
 * `navigator.gpu` shim (tfjs-backend-webgpu only registers when it exists); request the adapter's own limits.
 *
 * @returns the adapter description
 * @throws UserError when `webgpu` / `@tensorflow/tfjs-backend-webgpu` are not installed or no adapter is found
 */
export async function initWebGpu(): Promise<string> {
  let webgpu: any;
  try {
    webgpu = await import('webgpu' as string);
  } catch {
    throw new UserError("--backend webgpu needs the optional packages 'webgpu' and '@tensorflow/tfjs-backend-webgpu' (npm i webgpu @tensorflow/tfjs-backend-webgpu)");
  }
  const mod = webgpu.default ?? webgpu;
  if (mod.globals) Object.assign(globalThis, mod.globals);
  process.env.EGL_PLATFORM ??= 'surfaceless';
  if (!process.env.XDG_RUNTIME_DIR) {
    const dir = join(tmpdir(), `xdg-runtime-${process.getuid?.() ?? 'user'}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    process.env.XDG_RUNTIME_DIR = dir;
  }
  let adapter: any;
  let info = '';
  for (const attempt of [{ flags: [] as string[], options: {} }, { flags: ['backend=opengles'], options: { featureLevel: 'compatibility' } }]) {
    try {
      const gpu = mod.create(attempt.flags);
      allInstances.push(gpu);
      const a = await gpu.requestAdapter(attempt.options);
      if (a) {
        gpuInstance = gpu;
        adapter = a;
        const i = a.info ?? {};
        info = [i.vendor, i.architecture, i.description, i.device].filter(Boolean).join(' ') || attempt.flags.join(' ') || 'default';
        break;
      }
    } catch {
      // try the next Dawn backend
    }
  }
  if (!adapter) throw new UserError('--backend webgpu: no WebGPU adapter could be created (Dawn found neither Vulkan/Metal/D3D12 nor OpenGL ES)');
  const gpu = gpuInstance as any;
  // tfjs-backend-webgpu calls navigator.gpu.requestAdapter(); hand it the adapter found above, and make
  // requestDevice ask for the adapter's maximum limits (compatibility-mode defaults are too small).
  const wrapped = new Proxy(adapter, {
    get(target, prop) {
      if (prop === 'requestDevice') {
        return (desc: any = {}) => {
          const requiredLimits: Record<string, number> = {};
          for (const k of ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupSizeY', 'maxComputeWorkgroupSizeZ', 'maxStorageBuffersPerShaderStage']) {
            const v = target.limits?.[k];
            if (typeof v === 'number') requiredLimits[k] = v;
          }
          return target.requestDevice({ ...desc, requiredLimits: { ...requiredLimits, ...(desc.requiredLimits ?? {}) } });
        };
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  const shim = { requestAdapter: async () => wrapped, getPreferredCanvasFormat: () => 'rgba8unorm', wgslLanguageFeatures: gpu.wgslLanguageFeatures ?? new Set() };
  const nav = (globalThis as any).navigator;
  if (nav) {
    try {
      Object.defineProperty(nav, 'gpu', { value: shim, configurable: true });
    } catch {
      (globalThis as any).navigator = { ...nav, gpu: shim };
    }
  } else {
    (globalThis as any).navigator = { gpu: shim, userAgent: 'node' };
  }
  try {
    await import('@tensorflow/tfjs-backend-webgpu' as string);
  } catch {
    throw new UserError("--backend webgpu needs '@tensorflow/tfjs-backend-webgpu' (npm i @tensorflow/tfjs-backend-webgpu)");
  }
  if (!(await tf.setBackend('webgpu'))) throw new UserError('--backend webgpu: tfjs could not initialize the WebGPU backend');
  return info;
}
