/** RoPE tables for the ONNX graph: the same tables the tfjs model uses, from `@tinyzh/core`. */
export { ropeTables, type RopeTables } from '@tinyzh/core';
