import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/worker.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // `#ort` is resolved by the consumer (package.json "imports": Node gets onnxruntime-web's Node build,
  // browsers and bundlers get onnxruntime-web/webgpu), so it must stay an import in dist.
  external: ['#ort'],
});
