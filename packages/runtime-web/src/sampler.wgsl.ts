/**
 * WGSL source of the GPU sampler (driven by sampler-wgsl.ts). It follows docs/formats.md "Sampling" step by step in
 * the same float32 order as `sampleLogits` of `@tinyzh/core`, so both pick the same token for the same logits, seed
 * and step (only `exp` and division may differ in the last bit between the two):
 *
 * 1. copy one row of logits (`logits[offset .. offset + vocab)`) into `w`; CTRL repetition penalty on the distinct
 *    recent ids (`l > 0 ? l / r : l * r`);
 * 2. temperature <= 0: parallel argmax, the lowest index wins ties → done; else `w / temperature`;
 * 3. top-k: bitonic sort by (logit desc, index asc), keep the first k (marked in `flag`);
 * 4. softmax over the kept logits by invocation 0, sums in ascending index order; zero probabilities dropped;
 * 5. bitonic sort of the kept probabilities by (prob desc, index asc); top-p prefix (running float32 sum reaches topP);
 * 6. `u = uniform(seed, step)` (counter-based PCG hash), `S` = sum of kept probabilities in ascending index order,
 *    walk the kept list in sorted order until the running sum exceeds `u × S` (the last kept token if none).
 * Only `result[0]` (the token id, 4 bytes) is read back. One workgroup of 256 invocations.
 */
export const SAMPLER_WGSL = /* wgsl */ `
struct Params {
  vocab: u32,
  offset: u32,
  n: u32,
  histCount: u32,
  temperature: f32,
  topK: u32,
  topP: f32,
  penalty: f32,
  seed: u32,
  step: u32,
  pad0: u32,
  pad1: u32,
};

@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<uniform> P: Params;
@group(0) @binding(2) var<storage, read> hist: array<u32>;
@group(0) @binding(3) var<storage, read_write> w: array<f32>;
@group(0) @binding(4) var<storage, read_write> keys: array<f32>;
@group(0) @binding(5) var<storage, read_write> ids: array<u32>;
@group(0) @binding(6) var<storage, read_write> flag: array<u32>;
@group(0) @binding(7) var<storage, read_write> result: array<u32>;

const WG: u32 = 256u;
const LOWEST: f32 = -3.4028234663852886e38;
const NONE: u32 = 0xffffffffu;
var<workgroup> redVal: array<f32, 256>;
var<workgroup> redIdx: array<u32, 256>;
var<workgroup> live: u32;

fn pcgHash(x: u32) -> u32 {
  let s = x * 747796405u + 2891336453u;
  let v = ((s >> ((s >> 28u) + 4u)) ^ s) * 277803737u;
  return (v >> 22u) ^ v;
}

fn uniform01(seed: u32, step: u32) -> f32 {
  return f32(pcgHash(pcgHash(seed) ^ step) >> 8u) / 16777216.0;
}

// True when (va, ia) comes before (vb, ib) in (value desc, index asc) order.
fn before(va: f32, ia: u32, vb: f32, ib: u32) -> bool {
  return va > vb || (va == vb && ia < ib);
}

fn sync() {
  storageBarrier();
  workgroupBarrier();
}

// Bitonic sort of (keys, ids) over P.n (a power of two) elements by (key desc, id asc).
fn bitonicSort(t: u32) {
  for (var k = 2u; k <= P.n; k = k << 1u) {
    for (var j = k >> 1u; j > 0u; j = j >> 1u) {
      for (var i = t; i < P.n; i += WG) {
        let l = i ^ j;
        if (l > i) {
          let vi = keys[i];
          let vl = keys[l];
          let ii = ids[i];
          let il = ids[l];
          let swap = select(before(vi, ii, vl, il), before(vl, il, vi, ii), (i & k) == 0u);
          if (swap) {
            keys[i] = vl;
            keys[l] = vi;
            ids[i] = il;
            ids[l] = ii;
          }
        }
      }
      sync();
    }
  }
}

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) t: u32) {
  // 1. logits row, repetition penalty
  for (var i = t; i < P.vocab; i += WG) {
    w[i] = logits[P.offset + i];
  }
  sync();
  if (P.penalty != 1.0) {
    for (var h = t; h < P.histCount; h += WG) {
      let id = hist[h];
      if (id < P.vocab) {
        let l = w[id];
        w[id] = select(l * P.penalty, l / P.penalty, l > 0.0);
      }
    }
  }
  sync();

  // 2. greedy
  if (P.temperature <= 0.0) {
    var bv = LOWEST;
    var bi = NONE;
    for (var i = t; i < P.vocab; i += WG) {
      let v = w[i];
      if (before(v, i, bv, bi)) {
        bv = v;
        bi = i;
      }
    }
    redVal[t] = bv;
    redIdx[t] = bi;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s = s >> 1u) {
      if (t < s) {
        if (before(redVal[t + s], redIdx[t + s], redVal[t], redIdx[t])) {
          redVal[t] = redVal[t + s];
          redIdx[t] = redIdx[t + s];
        }
      }
      workgroupBarrier();
    }
    if (t == 0u) {
      result[0] = redIdx[0];
    }
    return;
  }
  let useTopK = P.topK > 0u && P.topK < P.vocab;
  for (var i = t; i < P.vocab; i += WG) {
    if (P.temperature != 1.0) {
      w[i] = w[i] / P.temperature;
    }
    flag[i] = select(1u, 0u, useTopK);
  }
  sync();

  // 3. top-k
  if (useTopK) {
    for (var i = t; i < P.n; i += WG) {
      if (i < P.vocab) {
        keys[i] = w[i];
        ids[i] = i;
      } else {
        keys[i] = LOWEST;
        ids[i] = NONE;
      }
    }
    sync();
    bitonicSort(t);
    for (var j = t; j < P.topK; j += WG) {
      flag[ids[j]] = 1u;
    }
    sync();
  }

  // 4. softmax over the kept logits, in ascending index order (one invocation, as the CPU does)
  if (t == 0u) {
    var m = LOWEST;
    for (var i = 0u; i < P.vocab; i++) {
      if (flag[i] == 1u && w[i] > m) {
        m = w[i];
      }
    }
    var z = 0.0;
    for (var i = 0u; i < P.vocab; i++) {
      if (flag[i] == 1u) {
        let e = exp(w[i] - m);
        w[i] = e;
        z = z + e;
      }
    }
    var n = 0u;
    for (var i = 0u; i < P.vocab; i++) {
      if (flag[i] == 1u) {
        let p = w[i] / z;
        w[i] = p;
        if (p > 0.0) {
          n++;
        } else {
          flag[i] = 0u;
        }
      }
    }
    live = n;
  }
  sync();

  // 5. order the kept tokens by (prob desc, index asc)
  for (var i = t; i < P.n; i += WG) {
    if (i < P.vocab && flag[i] == 1u) {
      keys[i] = w[i];
      ids[i] = i;
    } else {
      keys[i] = -1.0;
      ids[i] = NONE;
    }
  }
  sync();
  bitonicSort(t);

  // 5-6. top-p prefix, draw (one invocation, float32 running sums as the CPU does)
  if (t == 0u) {
    var kept = live;
    if (P.topP < 1.0) {
      var c = 0.0;
      for (var j = 0u; j < live; j++) {
        c = c + keys[j];
        if (c >= P.topP) {
          kept = j + 1u;
          break;
        }
      }
      for (var j = kept; j < live; j++) {
        flag[ids[j]] = 0u;
      }
    }
    var s = 0.0;
    for (var i = 0u; i < P.vocab; i++) {
      if (flag[i] == 1u) {
        s = s + w[i];
      }
    }
    let goal = uniform01(P.seed, P.step) * s;
    var c = 0.0;
    var chosen = ids[max(kept, 1u) - 1u];
    for (var j = 0u; j < kept; j++) {
      c = c + keys[j];
      if (c > goal) {
        chosen = ids[j];
        break;
      }
    }
    result[0] = chosen;
  }
}
`;
