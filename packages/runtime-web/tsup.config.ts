import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/worker.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // `#ort` / `#ort-wasm` are resolved by the consumer (package.json "imports": Node gets onnxruntime-web's Node
  // build, browsers and bundlers onnxruntime-web/webgpu and onnxruntime-web/wasm), so they stay imports in dist.
  external: ['#ort', '#ort-wasm'],
});
