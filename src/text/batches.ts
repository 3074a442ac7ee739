/**
 * d2l's minibatch iterators (§9.3.3) over a token corpus, computed one epoch at a time in the text core.
 * Both are seeded: epoch e of seed s always yields the same batches (see assembly/text/batch.ts).
 */
import { DeepRnnError, check } from '../errors.js';
import type { TokenTensor } from '../model/types.js';
import { checkStatus, withCore } from './core.js';

export type Partition = 'random' | 'sequential';

export interface BatchOptions {
  /** Default 0. */
  seed?: number;
  /** Which epoch of the seed's stream; each epoch draws a fresh offset (and shuffle). Default 0. */
  epoch?: number;
  /** Fix d2l's random offset instead of drawing it: [0, steps) for random, [0, steps] for sequential. */
  offset?: number;
}

export interface Batch {
  x: TokenTensor;
  y: TokenTensor;
}

/** One epoch of batches: iterate it (more than once if you like), or index it. */
export interface Batches extends Iterable<Batch> {
  readonly partition: Partition;
  /** Batches in this epoch. */
  readonly length: number;
  /** The offset this epoch starts from. */
  readonly offset: number;
  at(i: number): Batch;
}

const isPositiveInt = (v: unknown): v is number =>
  Number.isInteger(v) && (v as number) > 0 && (v as number) <= 0x7fffffff;
const isU32 = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff;

/** Batches per epoch for an offset (d2l's num_batches), so callers can size a schedule. */
export function batchesPerEpoch(
  corpusLength: number,
  batchSize: number,
  steps: number,
  partition: Partition,
  offset: number,
): number {
  const left = corpusLength - offset - 1;
  if (left < 0) return 0;
  return partition === 'random'
    ? Math.floor(Math.floor(left / steps) / batchSize)
    : Math.floor(Math.floor(left / batchSize) / steps);
}

/**
 * The fewest batches any epoch can have (the largest offset leaves the fewest tokens); the iterators
 * refuse a corpus where that is 0, so no epoch comes out empty by chance.
 */
export function minBatchesPerEpoch(
  corpusLength: number,
  batchSize: number,
  steps: number,
  partition: Partition,
): number {
  return batchesPerEpoch(corpusLength, batchSize, steps, partition, partition === 'random' ? steps - 1 : steps);
}

/** d2l's seq_data_iter_random: subsequences from shuffled starts, so batches do not continue each other. */
export function seqDataIterRandom(
  corpus: Int32Array,
  batchSize: number,
  steps: number,
  options?: BatchOptions,
): Batches {
  return epochBatches(corpus, batchSize, steps, 'random', options);
}

/** d2l's seq_data_iter_sequential: row b of each batch continues row b of the previous one. */
export function seqDataIterSequential(
  corpus: Int32Array,
  batchSize: number,
  steps: number,
  options?: BatchOptions,
): Batches {
  return epochBatches(corpus, batchSize, steps, 'sequential', options);
}

/** d2l's SeqDataLoader: a corpus with fixed batch size, steps, partition and seed, epoch after epoch. */
export class SeqDataLoader {
  constructor(
    readonly corpus: Int32Array,
    readonly batchSize: number,
    readonly steps: number,
    readonly partition: Partition = 'sequential',
    readonly seed = 0,
  ) {
    check(
      partition === 'random' || partition === 'sequential',
      `partition must be 'random' or 'sequential', got ${String(partition)}`,
    );
    checkArgs(corpus, batchSize, steps, partition, { seed });
  }

  epoch(epoch: number): Batches {
    return epochBatches(this.corpus, this.batchSize, this.steps, this.partition, { seed: this.seed, epoch });
  }
}

function checkArgs(corpus: Int32Array, batchSize: number, steps: number, partition: Partition, o: BatchOptions): void {
  check(corpus instanceof Int32Array, 'corpus must be an Int32Array of token ids');
  check(isPositiveInt(batchSize), `batchSize must be a positive integer, got ${String(batchSize)}`);
  check(isPositiveInt(steps), `steps must be a positive integer, got ${String(steps)}`);
  check(o.seed === undefined || isU32(o.seed), `seed must be an integer in [0, 2^32), got ${String(o.seed)}`);
  check(o.epoch === undefined || isU32(o.epoch), `epoch must be an integer in [0, 2^32), got ${String(o.epoch)}`);
  const maxOffset = partition === 'random' ? steps - 1 : steps;
  check(
    o.offset === undefined || (Number.isInteger(o.offset) && o.offset >= 0 && o.offset <= maxOffset),
    `offset must be an integer in [0, ${maxOffset}] for ${partition} batches, got ${String(o.offset)}`,
  );
  const fewest =
    o.offset === undefined
      ? minBatchesPerEpoch(corpus.length, batchSize, steps, partition)
      : batchesPerEpoch(corpus.length, batchSize, steps, partition, o.offset);
  if (fewest < 1) {
    throw new DeepRnnError(
      'E_CORPUS_TOO_SMALL',
      `a corpus of ${corpus.length} tokens is too small for ${partition} batches of ${batchSize} x ${steps} ` +
        `(every epoch needs ${partition === 'random' ? (batchSize + 1) * steps : (batchSize + 1) * steps + 1} tokens)`,
    );
  }
}

function epochBatches(
  corpus: Int32Array,
  batchSize: number,
  steps: number,
  partition: Partition,
  options: BatchOptions = {},
): Batches {
  check(typeof options === 'object' && options !== null, 'batch options must be an object');
  checkArgs(corpus, batchSize, steps, partition, options);
  const { x, y, count, offset } = withCore((call) => {
    const count = call.wasm.batches(
      call.i32(corpus),
      corpus.length,
      batchSize,
      steps,
      partition === 'random' ? 0 : 1,
      options.seed ?? 0,
      options.epoch ?? 0,
      options.offset ?? -1,
    );
    checkStatus(call, count, () => 'batches failed');
    return { x: call.outI32(0), y: call.outI32(1), count, offset: call.wasm.scalar(0) };
  });
  const per = batchSize * steps;
  const at = (i: number): Batch => {
    check(Number.isInteger(i) && i >= 0 && i < count, `batch index must be in [0, ${count}), got ${i}`);
    return {
      x: { shape: [batchSize, steps], data: x.subarray(i * per, (i + 1) * per) },
      y: { shape: [batchSize, steps], data: y.subarray(i * per, (i + 1) * per) },
    };
  };
  return {
    partition,
    length: count,
    offset,
    at,
    *[Symbol.iterator]() {
      for (let i = 0; i < count; i++) yield at(i);
    },
  };
}
