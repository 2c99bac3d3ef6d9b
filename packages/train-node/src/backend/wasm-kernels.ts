import * as tf from '@tensorflow/tfjs-core';

/**
 * Faster `Slice` and `Unpack` kernels for tfjs-backend-wasm 4.22.
 *
 * The stock wasm `Slice` reads its input with `backend.readSync`, which copies the whole input out of the wasm
 * heap for every slice, so `unstack` of an `[n, …]` tensor costs n full copies (≈0.5 s for a `[32, 256, 256]`
 * attention tensor here). These versions read a view of the heap (`typedArrayFromHeap`, taken after the output
 * is allocated, since allocation may grow and move the heap) and copy only the sliced rows.
 * Results are bit-identical; only float32/int32/bool inputs take this path (strings use the stock kernel).
 */
export function patchWasmKernels(): void {
  const stockSlice = tf.getKernel('Slice', 'wasm');
  if (!stockSlice || (stockSlice.kernelFunc as any).tinyzh) return;
  const stockFunc = stockSlice.kernelFunc;

  const slice = (args: any): tf.TensorInfo => {
    const { inputs: { x }, attrs: { begin, size }, backend } = args;
    if (x.dtype === 'string') return stockFunc(args) as tf.TensorInfo;
    const [b, s] = tf.slice_util.parseSliceParams(x, begin, size);
    const out = backend.makeOutput(s, x.dtype);
    const outVals = backend.typedArrayFromHeap(out);
    const xVals = backend.typedArrayFromHeap(x); // after makeOutput: the heap may have grown
    const strides = tf.util.computeStrides(x.shape);
    const rank = x.shape.length;
    if (tf.slice_util.isSliceContinous(x.shape, b, s)) {
      const off = tf.slice_util.computeFlatOffset(b, strides);
      outVals.set(xVals.subarray(off, off + tf.util.sizeFromShape(s)));
      return out;
    }
    // copy innermost rows
    const inner = s[rank - 1]!;
    const outer = tf.util.sizeFromShape(s.slice(0, -1));
    const idx = new Array(rank - 1).fill(0);
    for (let r = 0; r < outer; r++) {
      let off = b[rank - 1]!;
      for (let d = 0; d < rank - 1; d++) off += (b[d]! + idx[d]) * strides[d]!;
      outVals.set(xVals.subarray(off, off + inner), r * inner);
      for (let d = rank - 2; d >= 0; d--) {
        if (++idx[d] < s[d]!) break;
        idx[d] = 0;
      }
    }
    return out;
  };
  (slice as any).tinyzh = true;

  const unpack = (args: any): tf.TensorInfo[] => {
    const { inputs: { value }, attrs, backend } = args;
    let axis: number = attrs.axis;
    if (axis < 0) axis += value.shape.length;
    const n = value.shape[axis];
    const outShape = value.shape.filter((_: number, i: number) => i !== axis);
    const begin = new Array(value.shape.length).fill(0);
    const size = value.shape.slice();
    size[axis] = 1;
    const outs: tf.TensorInfo[] = [];
    for (let i = 0; i < n; i++) {
      begin[axis] = i;
      const o = slice({ inputs: { x: value }, attrs: { begin: begin.slice(), size }, backend });
      outs.push({ dataId: o.dataId, dtype: o.dtype, shape: outShape });
    }
    return outs;
  };

  tf.unregisterKernel('Slice', 'wasm');
  tf.registerKernel({ kernelName: 'Slice', backendName: 'wasm', kernelFunc: slice as any });
  if (tf.getKernel('Unpack', 'wasm')) tf.unregisterKernel('Unpack', 'wasm');
  tf.registerKernel({ kernelName: 'Unpack', backendName: 'wasm', kernelFunc: unpack as any });
}
