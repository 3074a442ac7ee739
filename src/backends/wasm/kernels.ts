/**
 * Instantiates the CPU backend's kernels (build/nn*.wasm, as the build provides them: src/wasm/modules.ts)
 * with raw bindings: one instance, and so one linear memory, per model - or, with threads, one instance
 * per thread of the build's shared-memory twin (WasmModule.sharedModule, src/wasm/shared-memory.ts), all on the
 * model's one shared memory.
 *
 * Determinism: each build is bit-identical run to run and for every thread count (fixed loop orders;
 * threads split products by rows or columns, never a sum, see parallel.ts). The two builds
 * round differently (fused vs separate multiply-add), so the default everywhere is the plain SIMD build
 * 'nn', which every engine runs: the same seed gives the same bits in Node and in every browser. The
 * relaxed-SIMD build ('nn-relaxed', FMA) is opt-in (`wasmBuild: 'nn-relaxed'`); on the machine measured
 * it made no consistent speed difference (bench/RESULTS.md), so portability wins the default.
 */
import { DeepRnnError, wasmInstantiationError } from '../../errors.js';
import type { WasmModule } from '../../wasm/module.js';
import { nnRelaxedWasm, nnWasm } from '../../wasm/modules.js';

export type KernelBuild = 'nn' | 'nn-relaxed';

/** C (m, n) = [C +] A . B: A addressed by strides (sam, sak), B row-major with leading dimension ldb. */
type GemmArgs = [
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
  accumulate: number,
];

/** As GemmArgs with B in panels (bp) instead of (b, ldb). */
type GemmPrepackedArgs = [
  c: number,
  ldc: number,
  a: number,
  sam: number,
  sak: number,
  bp: number,
  m: number,
  n: number,
  k: number,
  accumulate: number,
];

/**
 * What a forward pass needs (assembly/nn/forward.ts, build/nn-forward.wasm); every build has these. Byte
 * pointers (`p`) into the instance's memory; sizes in elements.
 */
export interface ForwardKernels {
  memory: WebAssembly.Memory;
  heapBase(): number;
  gemm(...args: GemmArgs): void;
  /** As gemm with B (K, N) pre-packed by packPanelsT (panelElements(K, N) elements). */
  gemmPrepacked(...args: GemmPrepackedArgs): void;
  /** Packs W^T for W (rows, cols) into the panel layout gemmPrepacked reads. */
  packPanelsT(dst: number, w: number, rows: number, cols: number): void;
  /**
   * As gemm for fewer than 4 rows (batch-1 generation) with B (K, N) in wide panels by packWideT
   * (wideElements(K, N) elements); the same bits as gemm.
   */
  gemmWide(...args: GemmPrepackedArgs): void;
  /** Packs W^T for W (rows, cols) into the wide panels gemmWide reads. */
  packWideT(dst: number, w: number, rows: number, cols: number): void;
  transpose(dst: number, src: number, rows: number, cols: number): void;
  gatherRows(dst: number, table: number, idx: number, n: number, width: number): void;
  addRowBias(a: number, bias: number, rows: number, cols: number): void;
  lstmForward(
    act: number,
    h: number,
    c: number,
    xp: number,
    hp: number,
    bih: number,
    bhh: number,
    cPrev: number,
    batch: number,
    hidden: number,
  ): void;
  gruForward(
    act: number,
    h: number,
    xp: number,
    hp: number,
    bih: number,
    bhh: number,
    hPrev: number,
    batch: number,
    hidden: number,
  ): void;
  rnnForward(
    h: number,
    xp: number,
    hp: number,
    bih: number,
    bhh: number,
    batch: number,
    hidden: number,
    relu: number,
  ): void;
  /** int8 products (assembly/nn/int8.ts): x rows to i16 with a scale per row, kp = k rounded up to 16. */
  quantizeRows(xq: number, xs: number, x: number, ldx: number, rows: number, k: number, kp: number): void;
  /** y (m, n) = x . W^T from quantized rows and W int8 (n rounded up to 4 rows of kp bytes) with row scales. */
  qgemm(y: number, ldy: number, xq: number, xs: number, m: number, wq: number, ws: number, n: number, kp: number): void;
  /** dst row r = int8 table row idx[r] (ldt bytes apart) times scale (width). */
  gatherQRows(dst: number, table: number, ldt: number, scale: number, idx: number, count: number, width: number): void;
}

/**
 * Every kernel of the full builds (assembly/nn/index.ts): the forward ones, those training needs, and each
 * kernel's one-thread share (*Rows, *Cols, *Range, *Seq: parallel.ts).
 */
export interface NnKernels extends ForwardKernels {
  /** Rows [r0, r1) of gemm(): one thread's share, bit for bit that part of the whole product. */
  gemmRows(...args: [...GemmArgs, r0: number, r1: number]): void;
  gemmPrepackedRows(...args: [...GemmPrepackedArgs, r0: number, r1: number]): void;
  /** Bytes of the packing scratch each thread needs; useScratch points this instance at its own. */
  scratchBytes(): number;
  useScratch(p: number): void;
  /** One layer's whole time loop for batch rows [b0, b1) (assembly/nn/recurrence.ts). */
  lstmForwardSeq(
    xp: number,
    hp: number,
    act: number,
    hs: number,
    cs: number,
    whhT: number,
    whhW: number,
    bih: number,
    bhh: number,
    B: number,
    T: number,
    H: number,
    b0: number,
    b1: number,
  ): void;
  gruForwardSeq(
    xp: number,
    hp: number,
    act: number,
    hs: number,
    whhT: number,
    whhW: number,
    bih: number,
    bhh: number,
    B: number,
    T: number,
    H: number,
    b0: number,
    b1: number,
  ): void;
  rnnForwardSeq(
    xp: number,
    hp: number,
    hs: number,
    whhT: number,
    whhW: number,
    bih: number,
    bhh: number,
    B: number,
    T: number,
    H: number,
    relu: number,
    b0: number,
    b1: number,
  ): void;
  /** Packs B (k, n) itself into the panel layout gemmPrepacked reads. */
  packPanels(dst: number, b: number, k: number, n: number): void;
  scatterAddRows(table: number, src: number, idx: number, n: number, width: number): void;
  scatterAddCols(table: number, src: number, idx: number, n: number, width: number, j0: number, j1: number): void;
  colSum(out: number, a: number, rows: number, cols: number, accumulate: number): void;
  colSumCols(out: number, a: number, rows: number, cols: number, accumulate: number, j0: number, j1: number): void;
  mulInto(dst: number, a: number, b: number, n: number): void;
  lstmBackward(
    dgates: number,
    dc: number,
    dhOut: number,
    dhRec: number,
    act: number,
    cPrev: number,
    batch: number,
    hidden: number,
  ): void;
  gruBackward(
    dgx: number,
    dgh: number,
    dhPrev: number,
    dhOut: number,
    dhRec: number,
    act: number,
    hPrev: number,
    batch: number,
    hidden: number,
  ): void;
  rnnBackward(
    dgates: number,
    dhOut: number,
    dhRec: number,
    h: number,
    batch: number,
    hidden: number,
    relu: number,
  ): void;
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
    b0: number,
    b1: number,
  ): void;
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
    b0: number,
    b1: number,
  ): void;
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
    b0: number,
    b1: number,
  ): void;
  softmaxXent(dlogits: number, logits: number, targets: number, rows: number, vocab: number): number;
  /** Rows [r0, r1) of softmaxXent, each row's loss left in rowLoss (f64, rows long). */
  softmaxXentRows(
    dlogits: number,
    logits: number,
    targets: number,
    rows: number,
    vocab: number,
    rowLoss: number,
    r0: number,
    r1: number,
  ): void;
  dropoutMask(mask: number, seed: number, step: number, layer: number, n: number, p: number, scale: number): void;
  dropoutMaskRange(
    mask: number,
    seed: number,
    step: number,
    layer: number,
    n: number,
    p: number,
    scale: number,
    i0: number,
    i1: number,
  ): void;
  sumSquares(g: number, n: number): number;
  sgdStep(p: number, g: number, n: number, alpha: number): void;
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
  ): void;
}

/** Elements of the panel layout of a (k, n) matrix: n rounded up to the 8-column panel width, times k. */
export function panelElements(k: number, n: number): number {
  return Math.ceil(n / 8) * 8 * k;
}

/** Elements of the wide-panel layout of a (k, n) matrix: n rounded up to the 32-column panel width, times k. */
export function wideElements(k: number, n: number): number {
  return Math.ceil(n / 32) * 32 * k;
}

/** The module of a full kernel build. */
export function kernelModule(build: KernelBuild): WasmModule {
  return build === 'nn-relaxed' ? nnRelaxedWasm : nnWasm;
}

/** Whether this engine runs `build` (asked every time: a V8 flag set at run time changes the answer). */
export function buildSupported(build: KernelBuild): boolean {
  return kernelModule(build).available();
}

/** The kernels' imports; `memory` only for the shared-memory twin. */
export function kernelImports(memory?: WebAssembly.Memory): WebAssembly.Imports {
  return {
    env: {
      ...(memory ? { memory } : {}),
      abort(): never {
        throw new DeepRnnError('E_BAD_OPTION', 'WASM kernel aborted (internal error)');
      },
    },
  };
}

/**
 * A fresh instance of a kernel module: on a memory of its own, or with `shared` the module's shared-memory
 * twin on that memory (the threads of pool.ts, which all instantiate the same twin on it). 'nn' and
 * 'nn-relaxed' give NnKernels, 'nn-forward' ForwardKernels.
 */
export async function instantiateKernels<K extends ForwardKernels = NnKernels>(
  wasm: WasmModule,
  shared?: WebAssembly.Memory,
): Promise<K> {
  if (!wasm.available()) {
    throw new DeepRnnError('E_BAD_OPTION', `this JavaScript engine cannot run the '${wasm.name}' WASM build`);
  }
  // Outside the try: a build without threads (workerd) says so itself, not as an instantiation failure.
  const module = shared ? wasm.sharedModule() : wasm.module();
  try {
    const instance = await WebAssembly.instantiate(await module, kernelImports(shared));
    return instance.exports as unknown as K;
  } catch (error) {
    throw wasmInstantiationError(error, 'WASM kernels');
  }
}
