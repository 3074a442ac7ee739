// d2l's minibatch partitions (§9.3.3), for one epoch at a time, seeded.
//
// Randomness: key = mix32(mix32(seed) ^ epoch); draw 0 picks the offset, draw i (i >= 1) is Fisher-Yates's
// swap partner for position i, walking i from the end as Python's random.shuffle does.
import { counterBelow, mix32 } from './rng';
import { setOut, setScalar, words } from './mem';

export const PARTITION_RANDOM: i32 = 0;
export const PARTITION_SEQUENTIAL: i32 = 1;

/**
 * One epoch of (X, Y) batches from corpus[0, n), each (batch, steps) row-major, batches one after another:
 * outputs 0 (X) and 1 (Y). Scalar 0 is the offset used (`offset` when >= 0, else drawn as d2l:
 * randint(0, steps - 1) for random, randint(0, steps) for sequential). Returns the batch count.
 *
 * random (seq_data_iter_random): drop `offset` tokens, cut the rest into (n - offset - 1) // steps
 * subsequences, shuffle their starts, and take `batch` of them per batch; Y is X shifted by one.
 * sequential (seq_data_iter_sequential): lay the tokens after `offset` out as `batch` rows of equal length
 * and walk them `steps` columns at a time, so row b of a batch continues row b of the one before.
 */
export function batches(corpus: usize, n: i32, batch: i32, steps: i32, partition: i32, seed: u32, epoch: u32, offset: i32): i32 {
  const key = mix32(mix32(seed) ^ epoch);
  const sequential = partition == PARTITION_SEQUENTIAL;
  const off = offset >= 0 ? offset : <i32>counterBelow(key, 0, <u32>(sequential ? steps + 1 : steps));
  setScalar(0, off);
  const per = batch * steps;
  if (sequential) {
    const rowLen = n - off - 1 >= 0 ? (n - off - 1) / batch : 0;
    const count = rowLen / steps;
    const x = heap.alloc(words(count * per));
    const y = heap.alloc(words(count * per));
    for (let i: i32 = 0; i < count; i++) {
      for (let b: i32 = 0; b < batch; b++) {
        const from = corpus + (<usize>(off + b * rowLen + i * steps) << 2);
        const to = <usize>(i * per + b * steps) << 2;
        memory.copy(x + to, from, <usize>steps << 2);
        memory.copy(y + to, from + 4, <usize>steps << 2);
      }
    }
    setOut(0, x, count * per);
    setOut(1, y, count * per);
    return count;
  }
  const subseqs = n - off - 1 >= 0 ? (n - off - 1) / steps : 0;
  const count = subseqs / batch;
  const starts = heap.alloc(words(subseqs));
  for (let i: i32 = 0; i < subseqs; i++) store<i32>(starts + (<usize>i << 2), i * steps);
  for (let i: i32 = subseqs - 1; i > 0; i--) {
    const j = <i32>counterBelow(key, <u32>i, <u32>(i + 1));
    const a = starts + (<usize>i << 2);
    const b = starts + (<usize>j << 2);
    const t = load<i32>(a);
    store<i32>(a, load<i32>(b));
    store<i32>(b, t);
  }
  const x = heap.alloc(words(count * per));
  const y = heap.alloc(words(count * per));
  for (let r: i32 = 0; r < count * batch; r++) {
    const from = corpus + (<usize>(off + load<i32>(starts + (<usize>r << 2))) << 2);
    memory.copy(x + (<usize>(r * steps) << 2), from, <usize>steps << 2);
    memory.copy(y + (<usize>(r * steps) << 2), from + 4, <usize>steps << 2);
  }
  heap.free(starts);
  setOut(0, x, count * per);
  setOut(1, y, count * per);
  return count;
}
