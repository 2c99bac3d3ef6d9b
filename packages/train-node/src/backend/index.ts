import * as tf from '@tensorflow/tfjs-core';
import { UserError } from '../errors.js';

/** Backends `--backend` accepts. `tensorflow` = tfjs-node-gpu or tfjs-node (native TensorFlow), if installed. */
export type BackendName = 'auto' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
export const BACKEND_NAMES: BackendName[] = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'];

async function tryImport(spec: string): Promise<boolean> {
  try {
    await import(/* @vite-ignore */ spec);
    return true;
  } catch {
    return false;
  }
}

async function initTensorflow(): Promise<string | undefined> {
  // optional peer dependencies: the user installs one of them (tfjs-node-gpu needs CUDA 11.2 + cuDNN 8.1)
  for (const spec of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    if (await tryImport(spec)) {
      if (await tf.setBackend('tensorflow')) return spec;
    }
  }
  return undefined;
}

async function initWasm(): Promise<boolean> {
  await import('@tensorflow/tfjs-backend-wasm');
  try {
    if (!(await tf.setBackend('wasm'))) return false;
  } catch {
    return false;
  }
  const { patchWasmKernels } = await import('./wasm-kernels.js');
  patchWasmKernels();
  return true;
}

async function initCpu(): Promise<boolean> {
  await import('@tensorflow/tfjs-backend-cpu');
  return tf.setBackend('cpu');
}

/**
 * Select and initialize the tfjs backend.
 *
 * `auto`: native TensorFlow (`@tensorflow/tfjs-node-gpu`, then `@tensorflow/tfjs-node`) when the user installed
 * one, else wasm (XNNPACK, SIMD; one thread under Node), else the pure-JS cpu backend.
 * `webgpu`: tfjs-backend-webgpu over the `webgpu` npm package (Dawn); see {@link ./webgpu.ts}.
 *
 * @returns a description of what was selected, e.g. `"wasm"` or `"tensorflow (@tensorflow/tfjs-node)"`.
 * @throws UserError when the requested backend cannot be initialized.
 */
export async function selectBackend(name: BackendName = 'auto'): Promise<string> {
  switch (name) {
    case 'auto': {
      const native = await initTensorflow();
      if (native) return `tensorflow (${native})`;
      if (await initWasm()) return 'wasm';
      if (await initCpu()) return 'cpu';
      throw new UserError('no tfjs backend could be initialized');
    }
    case 'tensorflow': {
      const native = await initTensorflow();
      if (!native) {
        throw new UserError(
          "--backend tensorflow needs '@tensorflow/tfjs-node-gpu' (CUDA 11.2 + cuDNN 8.1) or '@tensorflow/tfjs-node' installed next to tinyzh-train; neither could be loaded",
        );
      }
      return `tensorflow (${native})`;
    }
    case 'webgpu': {
      const { initWebGpu } = await import('./webgpu.js');
      const adapter = await initWebGpu();
      return `webgpu (${adapter})`;
    }
    case 'wasm':
      if (!(await initWasm())) throw new UserError('the wasm backend could not be initialized');
      return 'wasm';
    case 'cpu':
      if (!(await initCpu())) throw new UserError('the cpu backend could not be initialized');
      return 'cpu';
    default:
      throw new UserError(`unknown backend '${name as string}'; expected one of ${BACKEND_NAMES.join(', ')}`);
  }
}
