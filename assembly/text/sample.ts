// The sampler every generation path uses: one token per row of logits (rows, V).
//
// Randomness: row r of a call draws u = counterUniform(seed, counter + r) (24 bits, see rng.ts), so a
// generation is a pure function of (logits, options, seed, counter) and resumes from a saved counter.
// All maths is f64 with AssemblyScript's own exp/log (compiled into this module, not the engine's Math),
// so Node and every browser produce the same tokens.
import { OK, E_BAD_LOGITS } from './status';
import { setOut, setScalar, words } from './mem';
import { mix32 } from './rng';
import { heapify, popMin } from './sort';

/** Maps f32 bits to u32 keys that sort ascending with the float value. */
// @ts-ignore: decorator
@inline function orderedBits(x: f32): u32 {
  const u = reinterpret<u32>(x);
  return (u & 0x80000000) != 0 ? ~u : u | 0x80000000;
}

/**
 * Outputs 0: the sampled token of each row (i32), 1: its log-probability (f32) under the distribution it
 * was drawn from: softmax(logits / T) restricted to the kept tokens and renormalized. greedy takes the
 * first argmax and reports log softmax(logits / T) there, drawing nothing.
 * top-k keeps the topK largest logits (ties: lower index first); top-p then keeps the smallest prefix of
 * those, by probability descending, whose mass reaches topP. The draw walks the kept tokens in index
 * order, so topK >= V and topP = 1 give exactly untruncated sampling. Scalar 0: the next counter.
 * Logits with NaN or +-Infinity are E_BAD_LOGITS with the flat index in scalar 0.
 */
export function sample(logits: usize, rows: i32, vocab: i32, greedy: bool, temperature: f64, topK: i32, topP: f64, seed: u32, counter: u32): i32 {
  const total = <usize>rows * <usize>vocab;
  for (let i: usize = 0; i < total; i++) {
    const v = load<f32>(logits + (i << 2));
    if (v - v != 0) {
      setScalar(0, <f64>i);
      return E_BAD_LOGITS;
    }
  }
  const tokens = heap.alloc(words(rows));
  const logProbs = heap.alloc(words(rows));
  const w = heap.alloc(<usize>vocab << 3);
  const keys = heap.alloc(<usize>vocab << 3);
  const kept = heap.alloc(<usize>vocab);
  const key = mix32(seed);
  const truncate = topK < vocab || topP < 1.0;
  for (let r: i32 = 0; r < rows; r++) {
    const row = logits + (<usize>r * <usize>vocab << 2);
    let best: i32 = 0;
    let max = load<f32>(row);
    for (let i: i32 = 1; i < vocab; i++) {
      const v = load<f32>(row + (<usize>i << 2));
      if (v > max) {
        max = v;
        best = i;
      }
    }
    // (l - max) / T in f64: finite for any finite logits and T > 0, so exp never sees NaN.
    for (let i: i32 = 0; i < vocab; i++) {
      store<f64>(w + (<usize>i << 3), Math.exp((<f64>load<f32>(row + (<usize>i << 2)) - <f64>max) / temperature));
    }
    let choice = best;
    let z: f64 = 0;
    if (greedy) {
      for (let i: i32 = 0; i < vocab; i++) z += load<f64>(w + (<usize>i << 3));
    } else {
      memory.fill(kept, truncate ? 0 : 1, <usize>vocab);
      if (truncate) {
        let total: f64 = 0;
        for (let i: i32 = 0; i < vocab; i++) total += load<f64>(w + (<usize>i << 3));
        keepTop(row, w, keys, kept, vocab, topK < vocab ? topK : vocab, topP, total);
      }
      for (let i: i32 = 0; i < vocab; i++) if (load<u8>(kept + i) != 0) z += load<f64>(w + (<usize>i << 3));
      const target = (<f64>(mix32(counter ^ key) >>> 8) / 16777216.0) * z;
      counter++;
      let acc: f64 = 0;
      for (let i: i32 = 0; i < vocab; i++) {
        if (load<u8>(kept + i) == 0) continue;
        choice = i; // the last kept token, should rounding leave acc <= target at the end
        acc += load<f64>(w + (<usize>i << 3));
        if (acc > target) break;
      }
    }
    store<i32>(tokens + (<usize>r << 2), choice);
    store<f32>(logProbs + (<usize>r << 2), <f32>(Math.log(load<f64>(w + (<usize>choice << 3))) - Math.log(z)));
  }
  heap.free(w);
  heap.free(keys);
  heap.free(kept);
  setOut(0, tokens, rows);
  setOut(1, logProbs, rows);
  setScalar(0, <f64>counter);
  return OK;
}

/**
 * Marks the top-k, then the nucleus of those, in `kept`, popping tokens from a heap in order (logit
 * descending, index ascending) only as far as needed. `total` is the mass of all V tokens.
 */
function keepTop(row: usize, w: usize, keys: usize, kept: usize, vocab: i32, k: i32, topP: f64, total: f64): void {
  for (let i: i32 = 0; i < vocab; i++) {
    // Ascending keys = logits descending, then index ascending.
    store<u64>(keys + (<usize>i << 3), (<u64>~orderedBits(load<f32>(row + (<usize>i << 2))) << 32) | <u64>i);
  }
  heapify(keys, vocab);
  if (topP >= 1.0) {
    for (let j: i32 = 0; j < k; j++) store<u8>(kept + <usize>(popMin(keys, vocab - j) & 0xffffffff), 1);
    return;
  }
  // The nucleus is taken within the top k, so its mass is that of the top k (all V when k = V). The k
  // popped indices are kept, in order, at the heap's freed end: slot vocab - 1 - j holds the j-th.
  let mass = total;
  if (k < vocab) {
    mass = 0;
    for (let j: i32 = 0; j < k; j++) {
      const i = <i32>(popMin(keys, vocab - j) & 0xffffffff);
      store<u64>(keys + (<usize>(vocab - 1 - j) << 3), <u64>i);
      mass += load<f64>(w + (<usize>i << 3));
    }
  }
  const threshold = topP * mass;
  let cum: f64 = 0;
  for (let j: i32 = 0; j < k; j++) {
    if (j > 0 && cum >= threshold) break;
    const i = k < vocab ? <usize>load<u64>(keys + (<usize>(vocab - 1 - j) << 3)) : <usize>(popMin(keys, vocab - j) & 0xffffffff);
    store<u8>(kept + i, 1);
    cum += load<f64>(w + (i << 3));
  }
}
