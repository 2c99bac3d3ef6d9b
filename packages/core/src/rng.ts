/**
 * Counter-based random numbers shared by the CPU sampler and the runtime's WGSL sampler (docs/formats.md
 * "Sampling"): no state, so a GPU shader reproduces the same stream from `(seed, step)` alone.
 *
 * `pcgHash` is the PCG-RXS-M-XS 32-bit output permutation applied to one LCG step (O'Neill 2014, "PCG: A Family of
 * Simple Fast Space-Efficient Statistically Good Algorithms for Random Number Generation",
 * https://www.pcg-random.org/paper.html), in the hash form of Jarzynski & Olano 2020 ("Hash Functions for GPU
 * Rendering", JCGT 9(3)). All arithmetic is modulo 2^32, as WGSL `u32` arithmetic is.
 * @packageDocumentation
 */

/**
 * `s = x * 747796405 + 2891336453; w = ((s >>> ((s >>> 28) + 4)) ^ s) * 277803737; return (w >>> 22) ^ w` (mod 2^32).
 * @param x any number; taken modulo 2^32 (`x >>> 0`)
 * @returns an unsigned 32-bit integer. Known values: `pcgHash(0) = 129708002`, `pcgHash(1) = 2831084092`.
 */
export function pcgHash(x: number): number {
  const s = (Math.imul(x >>> 0, 747796405) + 2891336453) >>> 0;
  const w = Math.imul(((s >>> ((s >>> 28) + 4)) ^ s) >>> 0, 277803737) >>> 0;
  return ((w >>> 22) ^ w) >>> 0;
}

/**
 * The uniform number of step `step` of the stream `seed`: `(pcgHash(pcgHash(seed) ^ step) >>> 8) / 2^24`, one of the
 * 2^24 values `k / 2^24` in [0, 1), each exact in float32.
 * @param seed stream seed, taken modulo 2^32
 * @param step index of the sampled token within one generation (0, 1, 2, …), taken modulo 2^32
 */
export function uniform(seed: number, step: number): number {
  return (pcgHash((pcgHash(seed) ^ (step >>> 0)) >>> 0) >>> 8) / 16777216;
}

/** A fresh random 32-bit seed from the platform's cryptographic RNG (`crypto.getRandomValues`). */
export function randomSeed(): number {
  const a = new Uint32Array(1);
  globalThis.crypto.getRandomValues(a);
  return a[0];
}
