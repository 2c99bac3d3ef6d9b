import { defineConfig } from 'vite';
export default defineConfig({
  base: './',
  logLevel: 'warn',
  build: { outDir: process.env.VITE_OUT ?? 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 100000 },
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['onnxruntime-web', '@tinyzh/runtime-web', '@tinyzh/tokenizer'] },
});
