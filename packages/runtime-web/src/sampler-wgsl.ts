/**
 * GPU sampler: samples the next token from logits that stay in a GPU buffer (ORT's `logits` output with
 * `preferredOutputLocation: 'gpu-buffer'`), with the semantics of docs/formats.md "Sampling" — the same as
 * `sampleLogits` of `@tinyzh/core` on the CPU. Per step it uploads the parameters and the distinct recent token ids
 * (for the repetition penalty) and reads back only the chosen token id (4 bytes).
 */
import { resolveSamplingOptions, type SamplingOptions } from '@tinyzh/core';
import { SAMPLER_WGSL } from './sampler.wgsl.js';

const WORKGROUP = 256;
/** GPUBufferUsage / GPUMapMode values (constants, so this module loads where WebGPU globals are missing). */
const USAGE = { MAP_READ: 0x0001, COPY_SRC: 0x0004, COPY_DST: 0x0008, UNIFORM: 0x0040, STORAGE: 0x0080 } as const;
const MAP_READ = 0x0001;

/** Distinct ids among the last `lastN` entries of `history`, in first-seen order from the most recent. */
export function recentDistinct(history: ArrayLike<number>, lastN: number): number[] {
  const seen = new Set<number>();
  const start = Math.max(0, history.length - Math.max(0, lastN));
  for (let i = history.length - 1; i >= start; i--) seen.add(history[i]!);
  return [...seen];
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p <<= 1;
  return p;
}

/** A compiled sampler for one device and vocabulary size. */
export class WgslSampler {
  private readonly pipeline: GPUComputePipeline;
  private readonly params: GPUBuffer;
  private hist: GPUBuffer;
  private histCapacity = 64;
  private readonly w: GPUBuffer;
  private readonly keys: GPUBuffer;
  private readonly ids: GPUBuffer;
  private readonly flag: GPUBuffer;
  private readonly result: GPUBuffer;
  private readonly readback: GPUBuffer;
  private readonly n: number;
  private disposed = false;

  /**
   * Compiles the sampler for `device` and checks that the shader and pipeline are valid.
   * @throws Error with the WGSL compiler's messages when the pipeline is invalid on this device.
   */
  static async create(device: GPUDevice, vocabSize: number): Promise<WgslSampler> {
    device.pushErrorScope('validation');
    const s = new WgslSampler(device, vocabSize);
    const err = await device.popErrorScope();
    if (err) {
      s.dispose();
      throw new Error(`The WGSL sampler does not compile on this device: ${err.message}`);
    }
    return s;
  }

  /**
   * Compiles the WGSL pipeline and allocates its buffers (prefer {@link WgslSampler.create}, which checks errors) (`(2 × nextPow2(vocab) + 2 × vocab) × 4` bytes of scratch).
   * @throws Error when the shader does not compile on this device.
   */
  constructor(
    private readonly device: GPUDevice,
    readonly vocabSize: number,
  ) {
    this.n = Math.max(2, nextPow2(vocabSize));
    const module = device.createShaderModule({ code: SAMPLER_WGSL, label: 'tinyzh-sampler' });
    this.pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: 'tinyzh-sampler' });
    this.params = device.createBuffer({ size: 48, usage: USAGE.UNIFORM | USAGE.COPY_DST });
    this.hist = device.createBuffer({ size: this.histCapacity * 4, usage: USAGE.STORAGE | USAGE.COPY_DST });
    this.w = device.createBuffer({ size: vocabSize * 4, usage: USAGE.STORAGE });
    this.keys = device.createBuffer({ size: this.n * 4, usage: USAGE.STORAGE });
    this.ids = device.createBuffer({ size: this.n * 4, usage: USAGE.STORAGE });
    this.flag = device.createBuffer({ size: vocabSize * 4, usage: USAGE.STORAGE });
    this.result = device.createBuffer({ size: 16, usage: USAGE.STORAGE | USAGE.COPY_SRC });
    this.readback = device.createBuffer({ size: 16, usage: USAGE.MAP_READ | USAGE.COPY_DST });
  }

  /**
   * Samples one token.
   * @param logits GPU buffer holding float32 logits; the row used is `[offset, offset + vocabSize)` (elements).
   * @param step index of the sampled token in this generation (RNG counter).
   * @param history context token ids (prompt and generated) for the repetition penalty.
   * @returns the token id.
   */
  async sample(
    logits: GPUBuffer,
    offset: number,
    opts: SamplingOptions,
    step: number,
    history: ArrayLike<number> = [],
  ): Promise<number> {
    if (this.disposed) throw new Error('WgslSampler: used after dispose()');
    const o = resolveSamplingOptions(opts);
    const penalty = o.repetitionPenalty;
    const distinct = penalty !== 1 ? recentDistinct(history, o.repetitionPenaltyLastN) : [];
    if (distinct.length > this.histCapacity) {
      this.hist.destroy();
      this.histCapacity = nextPow2(distinct.length);
      this.hist = this.device.createBuffer({ size: this.histCapacity * 4, usage: USAGE.STORAGE | USAGE.COPY_DST });
    }
    if (distinct.length > 0) this.device.queue.writeBuffer(this.hist, 0, new Uint32Array(distinct));

    const p = new ArrayBuffer(48);
    const u = new Uint32Array(p);
    const f = new Float32Array(p);
    u[0] = this.vocabSize;
    u[1] = offset;
    u[2] = this.n;
    u[3] = distinct.length;
    f[4] = o.temperature;
    u[5] = Math.min(o.topK, 0xffffffff);
    f[6] = o.topP;
    f[7] = penalty;
    u[8] = o.seed >>> 0;
    u[9] = step >>> 0;
    this.device.queue.writeBuffer(this.params, 0, p);

    const bind = this.device.createBindGroup({
      layout: this.pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: logits } },
        { binding: 1, resource: { buffer: this.params } },
        { binding: 2, resource: { buffer: this.hist } },
        { binding: 3, resource: { buffer: this.w } },
        { binding: 4, resource: { buffer: this.keys } },
        { binding: 5, resource: { buffer: this.ids } },
        { binding: 6, resource: { buffer: this.flag } },
        { binding: 7, resource: { buffer: this.result } },
      ],
    });
    const enc = this.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(1);
    pass.end();
    enc.copyBufferToBuffer(this.result, 0, this.readback, 0, 4);
    this.device.queue.submit([enc.finish()]);
    await this.readback.mapAsync(MAP_READ, 0, 4);
    const id = new Uint32Array(this.readback.getMappedRange(0, 4))[0]!;
    this.readback.unmap();
    return id;
  }

  /** Frees the GPU buffers. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const b of [this.params, this.hist, this.w, this.keys, this.ids, this.flag, this.result, this.readback]) b.destroy();
  }
}

/** Workgroup size of the sampler shader (exported for tests). */
export const SAMPLER_WORKGROUP_SIZE = WORKGROUP;
