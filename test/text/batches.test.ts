// d2l's minibatch iterators on range(35), batch 2, steps 5 (d2l §9.3.3's own example).
import { describe, expect, it } from 'vitest';
import { mix32 } from '../../src/model/params.js';
import {
  SeqDataLoader,
  batchesPerEpoch,
  seqDataIterRandom,
  seqDataIterSequential,
  type Batches,
} from '../../src/text/index.js';
import { expectCode } from './helpers.js';

const range = (n: number) => Int32Array.from({ length: n }, (_, i) => i);
const seq = (from: number, n = 5) => Array.from({ length: n }, (_, i) => from + i);
const rows = (b: Batches) => [...b].map(({ x, y }) => ({ x: [...x.data], y: [...y.data], shape: x.shape }));

describe('seq_data_iter_sequential', () => {
  it('offset 0 gives the batches printed in d2l', () => {
    // num_tokens = (35 - 0 - 1) // 2 * 2 = 34, rows 0..16 and 17..33, 17 // 5 = 3 batches.
    const b = seqDataIterSequential(range(35), 2, 5, { offset: 0 });
    expect(b.length).toBe(3);
    expect(rows(b)).toEqual([
      { x: [...seq(0), ...seq(17)], y: [...seq(1), ...seq(18)], shape: [2, 5] },
      { x: [...seq(5), ...seq(22)], y: [...seq(6), ...seq(23)], shape: [2, 5] },
      { x: [...seq(10), ...seq(27)], y: [...seq(11), ...seq(28)], shape: [2, 5] },
    ]);
  });

  it('offset 3 and offset 5 (the largest d2l draws) as worked out by hand', () => {
    // offset 3: (35 - 3 - 1) // 2 * 2 = 30 tokens, rows 3..17 and 18..32, 3 batches.
    expect(rows(seqDataIterSequential(range(35), 2, 5, { offset: 3 })).map((r) => r.x)).toEqual([
      [...seq(3), ...seq(18)],
      [...seq(8), ...seq(23)],
      [...seq(13), ...seq(28)],
    ]);
    // offset 5: 28 tokens, rows 5..18 and 19..32 of 14, 2 batches; 18 is never an X start.
    const b = seqDataIterSequential(range(35), 2, 5, { offset: 5 });
    expect(b.offset).toBe(5);
    expect(rows(b)).toEqual([
      { x: [...seq(5), ...seq(19)], y: [...seq(6), ...seq(20)], shape: [2, 5] },
      { x: [...seq(10), ...seq(24)], y: [...seq(11), ...seq(25)], shape: [2, 5] },
    ]);
  });

  it('batches continue each other row by row, for any drawn offset', () => {
    const offsets = new Set<number>();
    for (let epoch = 0; epoch < 60; epoch++) {
      const b = seqDataIterSequential(range(35), 2, 5, { seed: 7, epoch });
      offsets.add(b.offset);
      expect(b.length).toBe(batchesPerEpoch(35, 2, 5, 'sequential', b.offset));
      const all = rows(b);
      for (let i = 1; i < all.length; i++) {
        for (let r = 0; r < 2; r++) expect(all[i].x[r * 5]).toBe(all[i - 1].x[r * 5 + 4] + 1);
      }
      expect(all[0].x[0]).toBe(b.offset);
    }
    expect([...offsets].sort()).toEqual([0, 1, 2, 3, 4, 5]); // randint(0, num_steps) is inclusive
  });
});

describe('seq_data_iter_random', () => {
  /** d2l's algorithm with the documented draws: key = mix32(mix32(seed) ^ epoch), Fisher-Yates from the end. */
  function expected(seed: number, epoch: number, offset: number): number[][] {
    const key = mix32((mix32(seed) ^ epoch) >>> 0);
    const starts = seq(0, Math.floor((35 - offset - 1) / 5)).map((k) => offset + k * 5);
    for (let i = starts.length - 1; i > 0; i--) {
      const j = Math.floor((mix32((i ^ key) >>> 0) * (i + 1)) / 2 ** 32);
      [starts[i], starts[j]] = [starts[j], starts[i]];
    }
    const out: number[][] = [];
    for (let b = 0; b + 2 <= starts.length; b += 2) out.push([...seq(starts[b]), ...seq(starts[b + 1])]);
    return out;
  }

  it('offset 2: the six subsequences 2, 7, ..., 27 in the seeded shuffle order, three batches', () => {
    for (const seed of [0, 1, 42]) {
      const b = seqDataIterRandom(range(35), 2, 5, { seed, offset: 2 });
      const got = rows(b);
      expect(got.map((r) => r.x)).toEqual(expected(seed, 0, 2));
      for (const r of got) expect(r.y).toEqual(r.x.map((v) => v + 1));
      expect(got.flatMap((r) => [r.x[0], r.x[5]]).sort((a, c) => a - c)).toEqual([2, 7, 12, 17, 22, 27]);
    }
  });

  it('offset 4 leaves 30 tokens: six subsequences, the last ending at 33 with Y at 34', () => {
    const got = rows(seqDataIterRandom(range(35), 2, 5, { seed: 3, offset: 4 }));
    expect(got.map((r) => r.x)).toEqual(expected(3, 0, 4));
    expect(Math.max(...got.flatMap((r) => r.y))).toBe(34);
  });

  it('draws the offset in [0, steps) and is reproducible per (seed, epoch)', () => {
    const offsets = new Set<number>();
    for (let epoch = 0; epoch < 50; epoch++) {
      const b = seqDataIterRandom(range(35), 2, 5, { seed: 9, epoch });
      offsets.add(b.offset);
      expect(rows(b).map((r) => r.x)).toEqual(expected(9, epoch, b.offset));
      expect(rows(seqDataIterRandom(range(35), 2, 5, { seed: 9, epoch }))).toEqual(rows(b));
    }
    expect([...offsets].sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('SeqDataLoader.epoch(e) is the iterator of epoch e', () => {
    const loader = new SeqDataLoader(range(200), 4, 7, 'random', 5);
    expect(rows(loader.epoch(3))).toEqual(rows(seqDataIterRandom(range(200), 4, 7, { seed: 5, epoch: 3 })));
    expect(rows(loader.epoch(3))).not.toEqual(rows(loader.epoch(4)));
  });
});

describe('bad batch arguments', () => {
  it('refuses a corpus too small for one batch in every epoch', () => {
    expectCode(() => seqDataIterSequential(range(8), 2, 5), 'E_CORPUS_TOO_SMALL'); // batch x steps > corpus
    expectCode(() => seqDataIterRandom(range(8), 2, 5), 'E_CORPUS_TOO_SMALL');
    expectCode(() => seqDataIterRandom(range(14), 2, 5), 'E_CORPUS_TOO_SMALL'); // offset 4 would leave 1 subsequence
    expect(seqDataIterRandom(range(15), 2, 5, { offset: 4 }).length).toBe(1);
    expectCode(() => seqDataIterSequential(range(15), 2, 5), 'E_CORPUS_TOO_SMALL');
    expect(seqDataIterSequential(range(16), 2, 5, { offset: 5 }).length).toBe(1);
    expectCode(() => new SeqDataLoader(new Int32Array(0), 1, 1), 'E_CORPUS_TOO_SMALL');
  });

  it('refuses bad sizes, seeds and offsets', () => {
    for (const [b, s] of [
      [0, 5],
      [2, 0],
      [1.5, 5],
      [2, NaN],
      [-1, 5],
    ])
      expectCode(() => seqDataIterRandom(range(35), b, s), 'E_BAD_OPTION');
    expectCode(() => seqDataIterRandom(range(35), 2, 5, { seed: -1 }), 'E_BAD_OPTION');
    expectCode(() => seqDataIterRandom(range(35), 2, 5, { offset: 5 }), 'E_BAD_OPTION');
    expectCode(() => seqDataIterSequential(range(35), 2, 5, { offset: 6 }), 'E_BAD_OPTION');
    expectCode(() => seqDataIterSequential([1, 2, 3] as unknown as Int32Array, 1, 1), 'E_BAD_OPTION');
    expectCode(() => new SeqDataLoader(range(35), 2, 5, 'shuffled' as never), 'E_BAD_OPTION');
  });
});
