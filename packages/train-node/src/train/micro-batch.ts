import type { LlamaConfig } from '@tinyzh/core';

/**
 * Rough bytes of activations tfjs keeps for the backward pass of one micro-batch of `rows × seq` tokens:
 * per layer and token ~14·hidden + 5·intermediate floats (norms, projections, residuals, SwiGLU) plus
 * ~3·heads·seq attention scores/probabilities, plus ~3·vocab for the logits and their gradient — ×4 bytes,
 * ×1.5 for allocator slack. Used only to pick a micro-batch size that fits.
 */
export function activationBytes(c: LlamaConfig, rows: number, seq: number): number {
  const perToken = c.num_hidden_layers * (14 * c.hidden_size + 5 * c.intermediate_size + 3 * c.num_attention_heads * seq) + 3 * c.vocab_size;
  return 1.5 * 4 * perToken * rows * seq;
}

/** Activation budget per backend (bytes): the wasm heap is capped at 4 GiB and must also hold weights and gradients. */
export function activationBudget(backend: string): number {
  if (backend.startsWith('wasm')) return 1.2e9;
  if (backend.startsWith('webgpu')) return 1.0e9;
  if (backend.startsWith('cpu')) return 2e9;
  return 4e9;
}

/**
 * The largest divisor of `batchSize` whose micro-batch fits {@link activationBudget}
 * (gradient accumulation runs `batchSize / micro` micro-batches per optimizer step). At least 1.
 * With `threads > 1`, prefers sizes that give every thread the same number of micro-batches.
 * On webgpu also keeps the logits (`rows·seq·vocab·4` bytes) under the 128 MiB storage-buffer binding limit.
 */
export function autoMicroBatch(c: LlamaConfig, batchSize: number, seq: number, backend: string, threads = 1): number {
  const budget = activationBudget(backend);
  // with data-parallel threads, prefer a micro-batch count that is a multiple of the thread count
  if (threads > 1) {
    for (let m = Math.floor(batchSize / threads); m >= 1; m--) {
      if (batchSize % m !== 0 || (batchSize / m) % threads !== 0) continue;
      if (backend.startsWith('webgpu') && m * seq * c.vocab_size * 4 > 128 * 1024 * 1024) continue;
      if (activationBytes(c, m, seq) <= budget) return m;
    }
  }
  for (let m = batchSize; m >= 1; m--) {
    if (batchSize % m !== 0) continue;
    if (backend.startsWith('webgpu') && m * seq * c.vocab_size * 4 > 128 * 1024 * 1024) continue;
    if (activationBytes(c, m, seq) <= budget) return m;
  }
  return 1;
}
