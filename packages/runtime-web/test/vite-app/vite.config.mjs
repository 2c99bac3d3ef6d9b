// Plain object (no import of 'vite'), so the app also builds where vite is not installed next to it (test/pack.test.ts).
export default {
  base: './',
  logLevel: 'warn',
  build: { outDir: process.env.VITE_OUT ?? 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 100000 },
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['onnxruntime-web', '@tinyzh/runtime-web', '@tinyzh/tokenizer'] },
};
