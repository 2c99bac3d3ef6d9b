import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { tinyzhModel } from './model-plugin.ts';

/** The model published with the page: TINYZH_DEMO_MODEL (a folder), else the project's default model. */
const modelFolder =
  process.env.TINYZH_DEMO_MODEL ??
  fileURLToPath(new URL('../../packages/runtime-web/models/tinyzh-stories-tiny/', import.meta.url));

export default defineConfig({
  // Relative asset URLs: the site works from any path of any static host.
  base: './',
  plugins: [tinyzhModel(modelFolder)],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // ORT's wasm binaries are large by nature; do not warn about them.
    chunkSizeWarningLimit: 4096,
  },
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['onnxruntime-web', '@tinyzh/runtime-web'] },
  preview: { host: 'localhost', port: 4173 },
});
