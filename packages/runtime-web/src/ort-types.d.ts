// Types of `#ort` (package.json "imports" → onnxruntime-web's Node build or onnxruntime-web/webgpu). onnxruntime-web
// ships its types as an ambient `declare module 'onnxruntime-web'`, which TypeScript cannot attach to `#ort`.
export * from 'onnxruntime-common';
