// Counting tokens for a vocabulary: which distinct token each one is, how often each occurs, and d2l's
// order (frequency descending, ties by first occurrence).
import { TokenTable } from './table';
import { words } from './mem';

/** Records each token's entry, adding new ones: the building half of tokenizeWith (countEntries counts). */
export class EntrySink {
  constructor(public table: TokenTable, public ids: usize) {}

  // @ts-ignore: decorator
  @inline token(k: i32, p: usize, len: usize, u16: i32, units: i32): void {
    store<i32>(this.ids + (<usize>k << 2), this.table.findOrAdd(p, len));
  }
}

/**
 * Sets each entry's count from the entry ids of the tokens. A separate pass with four interleaved
 * histograms, because incrementing while tokenizing chains every token through the previous update of
 * the same counter (a space every few characters), which measured 2x slower.
 */
export function countEntries(table: TokenTable, ids: usize, nTok: i32): void {
  const distinct = table.size;
  const lanes = heap.alloc(<usize>distinct << 4);
  memory.fill(lanes, 0, <usize>distinct << 4);
  let t: i32 = 0;
  for (; t + 4 <= nTok; t += 4) {
    const at = ids + (<usize>t << 2);
    const a = lanes + (<usize>load<i32>(at) << 4);
    const b = lanes + (<usize>load<i32>(at, 4) << 4) + 4;
    const c = lanes + (<usize>load<i32>(at, 8) << 4) + 8;
    const d = lanes + (<usize>load<i32>(at, 12) << 4) + 12;
    store<i32>(a, load<i32>(a) + 1);
    store<i32>(b, load<i32>(b) + 1);
    store<i32>(c, load<i32>(c) + 1);
    store<i32>(d, load<i32>(d) + 1);
  }
  for (; t < nTok; t++) {
    const a = lanes + (<usize>load<i32>(ids + (<usize>t << 2)) << 4);
    store<i32>(a, load<i32>(a) + 1);
  }
  for (let e: i32 = 0; e < distinct; e++) {
    const at = lanes + (<usize>e << 4);
    table.setCount(e, load<i32>(at) + load<i32>(at, 4) + load<i32>(at, 8) + load<i32>(at, 12));
  }
  heap.free(lanes);
}

/**
 * Entry indices by count descending, ties by entry index (first occurrence): Python's stable sort of a
 * Counter. An LSD radix sort on 11-bit digits of the complemented count, stable, so ties keep entry order.
 */
export function byCountDescending(table: TokenTable): usize {
  const n = table.size;
  let order = heap.alloc(words(n));
  let spare = heap.alloc(words(n));
  const buckets = heap.alloc(2048 << 2);
  for (let e: i32 = 0; e < n; e++) store<i32>(order + (<usize>e << 2), e);
  for (let shift: u32 = 0; shift < 33; shift += 11) {
    memory.fill(buckets, 0, 2048 << 2);
    for (let k: i32 = 0; k < n; k++) {
      const b = buckets + (<usize>((~<u32>table.count(load<i32>(order + (<usize>k << 2))) >>> shift) & 2047) << 2);
      store<i32>(b, load<i32>(b) + 1);
    }
    let sum: i32 = 0;
    for (let d = 0; d < 2048; d++) {
      const b = buckets + (<usize>d << 2);
      const c = load<i32>(b);
      store<i32>(b, sum);
      sum += c;
    }
    for (let k: i32 = 0; k < n; k++) {
      const e = load<i32>(order + (<usize>k << 2));
      const b = buckets + (<usize>((~<u32>table.count(e) >>> shift) & 2047) << 2);
      const at = load<i32>(b);
      store<i32>(b, at + 1);
      store<i32>(spare + (<usize>at << 2), e);
    }
    const t = order;
    order = spare;
    spare = t;
  }
  heap.free(spare);
  heap.free(buckets);
  return order;
}
