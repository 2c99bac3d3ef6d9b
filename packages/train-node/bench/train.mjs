// Training throughput of @tinyzh/train-node (tfjs) against PyTorch on CPU, same model (HF LlamaForCausalLM with
// the preset's config), same batch, measured in the same run. Exports run() for bench/index.mjs; run directly
// it prints one JSON object. Set TINYZH_TORCH_PYTHON to a python with torch + transformers (default python3).
// Env: TINYZH_BENCH_PRESETS="tiny:8:256,small:16:256" (preset:batch:seq), TINYZH_BENCH_STEPS (default 3).
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));

const TORCH = String.raw`
import json, resource, sys, time
import torch
from transformers import LlamaConfig, LlamaForCausalLM
cfg, B, T, steps, threads = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
torch.set_num_threads(threads)
torch.manual_seed(0)
model = LlamaForCausalLM(LlamaConfig(**cfg)).float().train()
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.95), weight_decay=0.1)
def step():
    x = torch.randint(0, cfg["vocab_size"], (B, T + 1))
    logits = model(input_ids=x[:, :-1]).logits
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1))
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step(); opt.zero_grad(set_to_none=True)
    return loss.item()
step()
t0 = time.perf_counter()
for _ in range(steps): loss = step()
secs = time.perf_counter() - t0
print(json.dumps({"engine": f"torch-{torch.__version__}-cpu-{threads}t", "attn": model.config._attn_implementation, "batch": B, "seq": T, "steps": steps,
  "tokens_per_s": steps * B * T / secs, "step_s": secs / steps, "loss": loss, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
`;

function lastJson(out) {
  const lines = out.trim().split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    try { return JSON.parse(lines[i]); } catch { /* not JSON */ }
  }
  return undefined;
}

async function hfConfig(preset, vocab) {
  const { resolveConfig, toHfConfigJson } = await import('@tinyzh/core');
  const c = toHfConfigJson(resolveConfig(preset, { vocab_size: vocab }));
  delete c.architectures; delete c.model_type; delete c.torch_dtype;
  return c;
}

export async function run() {
  const specs = (process.env.TINYZH_BENCH_PRESETS ?? 'tiny:8:256,small:16:256').split(',').map((s) => s.split(':'));
  const steps = process.env.TINYZH_BENCH_STEPS ?? '3';
  const python = process.env.TINYZH_TORCH_PYTHON ?? 'python3';
  const results = {};
  for (const [preset, B, T] of specs) {
    const tfjsRun = (workers) => {
      process.stderr.write(`train bench: ${preset} batch ${B} x ${T}: tfjs wasm, ${workers} thread(s)…\n`);
      const t = spawnSync(process.execPath, [join(here, 'train-step.mjs'), preset, B, T, steps, 'wasm', '4096', String(workers)], { encoding: 'utf8', maxBuffer: 1 << 24 });
      const r = lastJson(t.stdout) ?? { error: (t.stderr || t.stdout).trim().split('\n').slice(-3).join(' | ') };
      process.stderr.write(`  ${JSON.stringify(r)}\n`);
      return r;
    };
    const tfjs = tfjsRun(1);
    const threads = Math.min(2, availableParallelism());
    const tfjs2 = threads > 1 ? tfjsRun(threads) : undefined;
    process.stderr.write(`  torch (2 threads)…\n`);
    const cfg = await hfConfig(preset, 4096);
    const p = spawnSync(python, ['-c', TORCH, JSON.stringify(cfg), B, T, steps, '2'], { encoding: 'utf8', maxBuffer: 1 << 24 });
    const torch = lastJson(p.stdout) ?? { error: (p.stderr || p.stdout || String(p.error)).trim().split('\n').slice(-1)[0] };
    process.stderr.write(`  ${JSON.stringify(torch)}\n`);
    results[`train_${preset}_tfjs_wasm_tokens_per_s`] = tfjs.tokens_per_s ?? null;
    results[`train_${preset}_tfjs_wasm_peak_rss_mb`] = tfjs.peak_rss_mb ?? null;
    results[`train_${preset}_tfjs_wasm_micro_batch`] = tfjs.micro_batch ?? null;
    results[`train_${preset}_torch_cpu_2t_tokens_per_s`] = torch.tokens_per_s ?? null;
    results[`train_${preset}_torch_cpu_2t_peak_rss_mb`] = torch.peak_rss_mb ?? null;
    results[`train_${preset}_ratio_tfjs_wasm_vs_torch`] = tfjs.tokens_per_s && torch.tokens_per_s ? tfjs.tokens_per_s / torch.tokens_per_s : null;
    if (tfjs2) {
      results[`train_${preset}_tfjs_wasm_${threads}threads_tokens_per_s`] = tfjs2.tokens_per_s ?? null;
      results[`train_${preset}_tfjs_wasm_${threads}threads_peak_rss_mb`] = tfjs2.peak_rss_mb ?? null;
      results[`train_${preset}_ratio_tfjs_wasm_${threads}threads_vs_torch`] = tfjs2.tokens_per_s && torch.tokens_per_s ? tfjs2.tokens_per_s / torch.tokens_per_s : null;
    }
    if (tfjs.error) results[`train_${preset}_tfjs_error`] = tfjs.error;
    if (torch.error) results[`train_${preset}_torch_error`] = torch.error;
  }
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await run()));
}
