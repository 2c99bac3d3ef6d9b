/**
 * Export and interop (`tinyzh-train export` / `import-hf` as a library): model folders with ONNX decoders,
 * llama2.c checkpoints, and import of Hugging Face Llama checkpoints.
 */
export { buildLlamaDecoderOnnx, type DecoderConfig, type DecoderExportOptions, type WeightFormat } from './onnx/llama-decoder.js';
export { ropeTables, type RopeTables } from './onnx/rope.js';
export { GraphBuilder } from './onnx/graph-builder.js';
export { quantizeInt8PerChannel, type Int8PerChannel } from './quantize.js';
export { loadLlamaModel, type LoadedModel } from './checkpoint.js';
export { exportModelFolder, modelFolderFiles, modelSafetensors, ONNX_FILES, type ModelFolderOptions } from './model-folder.js';
export { llama2cBin, llama2cTokenizerBin, permuteRope, unpermuteRope } from './llama2c.js';
export { importHf, type ImportOptions, type ImportReport } from './import-hf.js';
export { checkCheckpointOut, checkLlama2cOut, checkModelFolderOut, isLlama2cBin, isLlama2cTokenizerBin, isModelFolder, type OutPathRules } from './out-path.js';
export { tokenizerConfigJson, generationConfigJson } from './hf-files.js';
