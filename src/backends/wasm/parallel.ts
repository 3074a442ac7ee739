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

/** The exports a worker may be asked to run (pool.ts sends it the names, tasks send indices). */
export const WORKER_KERNELS = [
  'gemmRows',
  'gemmPrepackedRows',
  'packPanelsT',
  'gatherRows',
  'scatterAddCols',
  'colSumCols',
  'addRowBias',
  'mulInto',
  'dropoutMaskRange',
  'sgdStep',
  'adamStep',
  'softmaxXentRows',
  'lstmForwardSeq',
  'gruForwardSeq',
  'rnnForwardSeq',
  'lstmBackwardSeq',
  'gruBackwardSeq',
  'rnnBackwardSeq',
] as const;
type WorkerKernel = (typeof WORKER_KERNELS)[number];

/**
 * Work (in multiply-adds, or element updates weighted to match) below which a call runs on the calling
 * thread: waking the workers and waiting for the slowest costs microseconds.
 */
export const MIN_WORK = 1 << 18;

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

  private serial(work: number): boolean {
    return this.pool === null || work < this.minWork;
  }

  /** Splits [0, n) over the pool; `args(lo, hi)` gives the arguments of `name` for one part. */
  private split(name: WorkerKernel, n: number, align: number, args: (lo: number, hi: number) => number[]): void {
    const pool = this.pool!;
    const lists = partition(n, pool.threads, align).map(([lo, hi]) => args(lo, hi));
    const f = this.raw[name] as (...a: number[]) => void;
    if (lists.length < 2) f(...args(0, n));
    else pool.run(this.index.get(name)!, lists, (a) => f(...a));
  }

  gemm(
    c: number,
    ldc: number,
    a: number,
    sam: number,
    sak: number,
    b: number,
    ldb: number,
    m: number,
    n: number,
    k: number,
    acc: number,
  ): void {
    if (this.serial(m * n * k)) this.raw.gemm(c, ldc, a, sam, sak, b, ldb, m, n, k, acc);
    else this.split('gemmRows', m, MR, (r0, r1) => [c, ldc, a, sam, sak, b, ldb, m, n, k, acc, r0, r1]);
  }

  gemmPrepacked(
    c: number,
    ldc: number,
    a: number,
    sam: number,
    sak: number,
    bp: number,
    m: number,
    n: number,
    k: number,
    acc: number,
  ): void {
    if (this.serial(m * n * k)) this.raw.gemmPrepacked(c, ldc, a, sam, sak, bp, m, n, k, acc);
    else this.split('gemmPrepackedRows', m, MR, (r0, r1) => [c, ldc, a, sam, sak, bp, m, n, k, acc, r0, r1]);
  }

  /** Parts are whole panels: panel q of W^T is rows 8q..8q+7 of W, at the same element offset in both. */
  packPanelsT(dst: number, w: number, rows: number, cols: number): void {
    if (this.serial(rows * cols)) this.raw.packPanelsT(dst, w, rows, cols);
    else this.split('packPanelsT', rows, NR, (lo, hi) => [dst + lo * cols * 4, w + lo * cols * 4, hi - lo, cols]);
  }

  packPanels(dst: number, b: number, k: number, n: number): void {
    this.raw.packPanels(dst, b, k, n);
  }

  transpose(dst: number, src: number, rows: number, cols: number): void {
    this.raw.transpose(dst, src, rows, cols);
  }

  gatherRows(dst: number, table: number, idx: number, n: number, width: number): void {
    if (this.serial(n * width)) this.raw.gatherRows(dst, table, idx, n, width);
    else this.split('gatherRows', n, 1, (lo, hi) => [dst + lo * width * 4, table, idx + lo * 4, hi - lo, width]);
  }

  scatterAddRows(table: number, src: number, idx: number, n: number, width: number): void {
    if (this.serial(n * width)) this.raw.scatterAddRows(table, src, idx, n, width);
    else this.split('scatterAddCols', width, LANES, (lo, hi) => [table, src, idx, n, width, lo, hi]);
  }

  colSum(out: number, a: number, rows: number, cols: number, acc: number): void {
    if (this.serial(rows * cols)) this.raw.colSum(out, a, rows, cols, acc);
    else this.split('colSumCols', cols, LANES, (lo, hi) => [out, a, rows, cols, acc, lo, hi]);
  }

  addRowBias(a: number, bias: number, rows: number, cols: number): void {
    if (this.serial(rows * cols)) this.raw.addRowBias(a, bias, rows, cols);
    else this.split('addRowBias', rows, 1, (lo, hi) => [a + lo * cols * 4, bias, hi - lo, cols]);
  }

  mulInto(dst: number, a: number, b: number, n: number): void {
    if (this.serial(n)) this.raw.mulInto(dst, a, b, n);
    else this.split('mulInto', n, LANES, (lo, hi) => [dst + lo * 4, a + lo * 4, b + lo * 4, hi - lo]);
  }

  dropoutMask(mask: number, seed: number, step: number, layer: number, n: number, p: number, scale: number): void {
    if (this.serial(4 * n)) this.raw.dropoutMask(mask, seed, step, layer, n, p, scale);
    else this.split('dropoutMaskRange', n, LANES, (lo, hi) => [mask, seed, step, layer, lo, hi, p, scale]);
  }

  sgdStep(p: number, g: number, n: number, alpha: number): void {
    if (this.serial(2 * n)) this.raw.sgdStep(p, g, n, alpha);
    else this.split('sgdStep', n, LANES, (lo, hi) => [p + lo * 4, g + lo * 4, hi - lo, alpha]);
  }

  adamStep(
    p: number,
    g: number,
    m: number,
    v: number,
    n: number,
    gscale: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    t: number,
  ): void {
    if (this.serial(8 * n)) this.raw.adamStep(p, g, m, v, n, gscale, lr, beta1, beta2, eps, t);
    else
      this.split('adamStep', n, LANES, (lo, hi) => [
        p + lo * 4,
        g + lo * 4,
        m + lo * 4,
        v + lo * 4,
        hi - lo,
        gscale,
        lr,
        beta1,
        beta2,
        eps,
        t,
      ]);
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
    if (this.serial(16 * rows * vocab)) return this.raw.softmaxXent(dlogits, logits, targets, rows, vocab);
    this.split('softmaxXentRows', rows, 1, (lo, hi) => [dlogits, logits, targets, rows, vocab, rowLoss, lo, hi]);
    const losses = new Float64Array(this.raw.memory.buffer, rowLoss, rows);
    let total = 0;
    for (let r = 0; r < rows; r++) total += losses[r];
    return total;
  }

  // One layer's whole recurrence, split by batch rows (assembly/nn/recurrence.ts).

  lstmForwardSeq(
    xp: number,
    hp: number,
    act: number,
    hs: number,
    cs: number,
    whhT: number,
    whhR: number,
    bih: number,
    bhh: number,
    B: number,
    T: number,
    H: number,
  ): void {
    if (this.serial(B * T * 4 * H * H))
      this.raw.lstmForwardSeq(xp, hp, act, hs, cs, whhT, whhR, bih, bhh, B, T, H, 0, B);
    else this.split('lstmForwardSeq', B, 1, (b0, b1) => [xp, hp, act, hs, cs, whhT, whhR, bih, bhh, B, T, H, b0, b1]);
  }

  gruForwardSeq(
    xp: number,
    hp: number,
    act: number,
    hs: number,
    whhT: number,
    whhR: number,
    bih: number,
    bhh: number,
    B: number,
    T: number,
    H: number,
  ): void {
    if (this.serial(B * T * 3 * H * H)) this.raw.gruForwardSeq(xp, hp, act, hs, whhT, whhR, bih, bhh, B, T, H, 0, B);
    else this.split('gruForwardSeq', B, 1, (b0, b1) => [xp, hp, act, hs, whhT, whhR, bih, bhh, B, T, H, b0, b1]);
  }

  rnnForwardSeq(
    xp: number,
    hp: number,
    hs: number,
    whhT: number,
    whhR: number,
    bih: number,
    bhh: number,
    B: number,
    T: number,
    H: number,
    relu: number,
  ): void {
    if (this.serial(B * T * H * H)) this.raw.rnnForwardSeq(xp, hp, hs, whhT, whhR, bih, bhh, B, T, H, relu, 0, B);
    else this.split('rnnForwardSeq', B, 1, (b0, b1) => [xp, hp, hs, whhT, whhR, bih, bhh, B, T, H, relu, b0, b1]);
  }

  lstmBackwardSeq(
    dgx: number,
    dc: number,
    dOut: number,
    dhA: number,
    dhB: number,
    act: number,
    cs: number,
    whhP: number,
    B: number,
    T: number,
    H: number,
    stateGrad: number,
  ): void {
    if (this.serial(B * T * 4 * H * H))
      this.raw.lstmBackwardSeq(dgx, dc, dOut, dhA, dhB, act, cs, whhP, B, T, H, stateGrad, 0, B);
    else
      this.split('lstmBackwardSeq', B, 1, (b0, b1) => [
        dgx,
        dc,
        dOut,
        dhA,
        dhB,
        act,
        cs,
        whhP,
        B,
        T,
        H,
        stateGrad,
        b0,
        b1,
      ]);
  }

  gruBackwardSeq(
    dgx: number,
    dgh: number,
    dOut: number,
    dhA: number,
    dhB: number,
    act: number,
    hs: number,
    whhP: number,
    B: number,
    T: number,
    H: number,
    stateGrad: number,
  ): void {
    if (this.serial(B * T * 3 * H * H))
      this.raw.gruBackwardSeq(dgx, dgh, dOut, dhA, dhB, act, hs, whhP, B, T, H, stateGrad, 0, B);
    else
      this.split('gruBackwardSeq', B, 1, (b0, b1) => [
        dgx,
        dgh,
        dOut,
        dhA,
        dhB,
        act,
        hs,
        whhP,
        B,
        T,
        H,
        stateGrad,
        b0,
        b1,
      ]);
  }

  rnnBackwardSeq(
    dgx: number,
    dOut: number,
    dhA: number,
    dhB: number,
    hs: number,
    whhP: number,
    B: number,
    T: number,
    H: number,
    relu: number,
    stateGrad: number,
  ): void {
    if (this.serial(B * T * H * H))
      this.raw.rnnBackwardSeq(dgx, dOut, dhA, dhB, hs, whhP, B, T, H, relu, stateGrad, 0, B);
    else
      this.split('rnnBackwardSeq', B, 1, (b0, b1) => [dgx, dOut, dhA, dhB, hs, whhP, B, T, H, relu, stateGrad, b0, b1]);
  }
}
