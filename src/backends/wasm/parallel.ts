/**
 * The kernels as the engine and the stack call them: whole products and loops, each computed by the
 * calling thread alone, or, with a worker pool and enough work to pay for waking it, split into fixed
 * parts that the pool's threads compute at once.
 *
 * Bit-identical for every thread count: a part is always a set of whole output elements, each computed
 * by the same instructions in the same order as in the whole (assembly/nn *Rows, *Cols, *Range, *Seq):
 *   GEMMs by rows of C (each element a dot product over K in a fixed order), the recurrences by batch
 *   rows (rows never mix), column sums and the one-hot scatter by columns (each summed over rows in
 *   order), the loss by rows (each row's loss kept, then summed in row order), everything elementwise by
 *   index. No sum ever changes its order: the gradient norm stays one sequential sum on one thread.
 * So a part boundary, and whether a call is split at all (`minWork`), never changes a result.
 */
import type { NnKernels } from './kernels.js';
import type { WorkerPool } from './pool.js';

/** Kernels whose last two arguments are the part [lo, hi) they compute of the whole call before them. */
const RANGED = [
  'gemmRows',
  'gemmPrepackedRows',
  'scatterAddCols',
  'colSumCols',
  'dropoutMaskRange',
  'softmaxXentRows',
  'lstmForwardSeq',
  'gruForwardSeq',
  'rnnForwardSeq',
  'lstmBackwardSeq',
  'gruBackwardSeq',
  'rnnBackwardSeq',
] as const;
type Ranged = (typeof RANGED)[number];
/** The recurrences (assembly/nn/recurrence.ts): one layer's time loop, split by batch rows. */
export type Recurrence = Extract<Ranged, `${string}Seq`>;
/** A ranged kernel's arguments without the part. */
type Whole<K extends Ranged> = Parameters<NnKernels[K]> extends [...infer A, number, number] ? A : never;

/** The exports a worker may be asked to run (pool.ts sends it the names, tasks send indices). */
export const WORKER_KERNELS = [
  ...RANGED,
  'packPanelsT',
  'gatherRows',
  'addRowBias',
  'mulInto',
  'sgdStep',
  'adamStep',
] as const;
type WorkerKernel = (typeof WORKER_KERNELS)[number];

/**
 * Work (in multiply-adds) below which a call runs on the calling thread: waking the workers and waiting
 * for the slowest costs microseconds (bench/profile.bench.ts).
 */
export const MIN_WORK = 1 << 18;
/**
 * What one element of a memory-bound pass (column sums, the scatter, copies, the optimizer updates)
 * counts as work. Measured at d2l's sizes, splitting those (1M elements, a fraction of a millisecond)
 * made them slower: the data sits in the other core's cache, and the pass is shorter than the wake-up.
 * So they split only from 4M elements up (MIN_WORK * 16), e.g. the updates of an H 1024 model.
 */
const STREAM = 1 / 16;

/** Micro-kernel rows (assembly/nn/gemm.ts MR): GEMM parts are whole row panels. */
const MR = 4;
/** SIMD lanes: elementwise parts start on a vector boundary. */
const LANES = 4;
/** Panel width (gemm.ts NR): packPanelsT parts are whole panels. */
const NR = 8;

/** [0, n) in at most `parts` consecutive ranges whose boundaries are multiples of `align`. */
export function partition(n: number, parts: number, align: number): Array<[number, number]> {
  const chunk = Math.max(align, Math.ceil(n / parts / align) * align);
  const out: Array<[number, number]> = [];
  for (let lo = 0; lo < n; lo += chunk) out.push([lo, Math.min(n, lo + chunk)]);
  return out;
}

export class Kernels {
  private pool: WorkerPool | null = null;
  private readonly index = new Map<string, number>(WORKER_KERNELS.map((n, i) => [n, i]));

  constructor(
    readonly raw: NnKernels,
    private readonly minWork = MIN_WORK,
  ) {}

  /** From now on, large calls are split over `pool`. */
  attach(pool: WorkerPool): void {
    this.pool = pool;
  }

  get threads(): number {
    return this.pool?.threads ?? 1;
  }

  /** Runs `name` on the parts of [0, n) given by `args(lo, hi)`: all here when `work` is small. */
  private split(
    name: WorkerKernel,
    n: number,
    align: number,
    work: number,
    args: (lo: number, hi: number) => number[],
  ): void {
    const f = this.raw[name] as (...a: number[]) => void;
    const pool = this.pool;
    const lists =
      pool === null || work < this.minWork ? [] : partition(n, pool.threads, align).map(([lo, hi]) => args(lo, hi));
    if (lists.length < 2) f(...args(0, n));
    else pool!.run(this.index.get(name)!, lists, (a) => f(...a));
  }

  /** A ranged kernel over [0, n), split when `work` pays for it. */
  private ranged<K extends Ranged>(name: K, whole: Whole<K>, n: number, align: number, work: number): void {
    this.split(name, n, align, work, (lo, hi) => [...(whole as number[]), lo, hi]);
  }

  // gemm, gatherRows, addRowBias and the recurrences take a direct path without threads: batch-1
  // generation calls them for every token, and a spread call costs ~60 ns against ~5.

  gemm(...a: Parameters<NnKernels['gemm']>): void {
    const [c, ldc, x, sam, sak, b, ldb, m, n, k, acc] = a;
    if (this.pool === null) this.raw.gemm(c, ldc, x, sam, sak, b, ldb, m, n, k, acc);
    else this.ranged('gemmRows', a, m, MR, m * n * k);
  }

  /** Fewer than 4 rows: whole rows are the only split, and one row's product is too small to spread. */
  gemmWide(...a: Parameters<NnKernels['gemmWide']>): void {
    this.raw.gemmWide(...a);
  }

  gemmPrepacked(...a: Parameters<NnKernels['gemmPrepacked']>): void {
    const [, , , , , , m, n, k] = a;
    this.ranged('gemmPrepackedRows', a, m, MR, m * n * k);
  }

  /** Parts are whole panels: panel q of W^T is rows 8q..8q+7 of W, at the same element offset in both. */
  packPanelsT(dst: number, w: number, rows: number, cols: number): void {
    this.split('packPanelsT', rows, NR, STREAM * rows * cols, (lo, hi) => [
      dst + lo * cols * 4,
      w + lo * cols * 4,
      hi - lo,
      cols,
    ]);
  }

  packPanels(dst: number, b: number, k: number, n: number): void {
    this.raw.packPanels(dst, b, k, n);
  }

  packWideT(dst: number, w: number, rows: number, cols: number): void {
    this.raw.packWideT(dst, w, rows, cols);
  }

  transpose(dst: number, src: number, rows: number, cols: number): void {
    this.raw.transpose(dst, src, rows, cols);
  }

  gatherRows(dst: number, table: number, idx: number, n: number, width: number): void {
    if (this.pool === null) this.raw.gatherRows(dst, table, idx, n, width);
    else
      this.split('gatherRows', n, 1, STREAM * n * width, (lo, hi) => [
        dst + lo * width * 4,
        table,
        idx + lo * 4,
        hi - lo,
        width,
      ]);
  }

  scatterAddRows(...a: Whole<'scatterAddCols'>): void {
    const [, , , n, width] = a;
    this.ranged('scatterAddCols', a, width, LANES, STREAM * n * width);
  }

  colSum(...a: Whole<'colSumCols'>): void {
    const [, , rows, cols] = a;
    this.ranged('colSumCols', a, cols, LANES, STREAM * rows * cols);
  }

  addRowBias(a: number, bias: number, rows: number, cols: number): void {
    if (this.pool === null) this.raw.addRowBias(a, bias, rows, cols);
    else this.split('addRowBias', rows, 1, STREAM * rows * cols, (lo, hi) => [a + lo * cols * 4, bias, hi - lo, cols]);
  }

  mulInto(dst: number, a: number, b: number, n: number): void {
    this.split('mulInto', n, LANES, STREAM * n, (lo, hi) => [dst + lo * 4, a + lo * 4, b + lo * 4, hi - lo]);
  }

  dropoutMask(...a: Whole<'dropoutMaskRange'>): void {
    this.ranged('dropoutMaskRange', a, a[4], LANES, 4 * STREAM * a[4]);
  }

  sgdStep(p: number, g: number, n: number, alpha: number): void {
    this.split('sgdStep', n, LANES, STREAM * n, (lo, hi) => [p + lo * 4, g + lo * 4, hi - lo, alpha]);
  }

  adamStep(...a: Parameters<NnKernels['adamStep']>): void {
    const [p, g, m, v, n, ...rest] = a;
    this.split('adamStep', n, LANES, 4 * STREAM * n, (lo, hi) => [
      p + lo * 4,
      g + lo * 4,
      m + lo * 4,
      v + lo * 4,
      hi - lo,
      ...rest,
    ]);
  }

  // The one-step cells, for the step-by-step loop of a forward-only stack (stack.ts recur); a stack with
  // a pool runs whole recurrences instead.

  lstmForward(...a: Parameters<NnKernels['lstmForward']>): void {
    this.raw.lstmForward(...a);
  }

  gruForward(...a: Parameters<NnKernels['gruForward']>): void {
    this.raw.gruForward(...a);
  }

  rnnForward(...a: Parameters<NnKernels['rnnForward']>): void {
    this.raw.rnnForward(...a);
  }

  /** Sequential in f64 on the calling thread: a sum, so never split. */
  sumSquares(g: number, n: number): number {
    return this.raw.sumSquares(g, n);
  }

  /**
   * The summed loss: split by rows, each row's loss left in `rowLoss` (f64, rows long), then summed here
   * in row order, as softmaxXent sums them.
   */
  softmaxXent(dlogits: number, logits: number, targets: number, rows: number, vocab: number, rowLoss: number): number {
    if (this.pool === null || 16 * rows * vocab < this.minWork)
      return this.raw.softmaxXent(dlogits, logits, targets, rows, vocab);
    this.ranged('softmaxXentRows', [dlogits, logits, targets, rows, vocab, rowLoss], rows, 1, 16 * rows * vocab);
    const losses = new Float64Array(this.raw.memory.buffer, rowLoss, rows);
    let total = 0;
    for (let r = 0; r < rows; r++) total += losses[r];
    return total;
  }

  /** One layer's whole time loop over a batch of B, split by batch rows; `work` in multiply-adds. */
  recurrence<K extends Recurrence>(name: K, whole: Whole<K>, B: number, work: number): void {
    if (this.pool === null) (this.raw[name] as (...a: number[]) => void)(...(whole as number[]), 0, B);
    else this.ranged(name, whole, B, 1, work);
  }
}
