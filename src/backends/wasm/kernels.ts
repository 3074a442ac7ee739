/**
 * Instantiates the CPU backend's kernels (build/nn*.wasm, as the build provides them: src/wasm/modules.ts)
 * with raw bindings: one instance, and so one linear memory, per model.
 *
 * Determinism: each build is bit-identical run to run (fixed loop orders, no threads). The two builds
 * round differently (fused vs separate multiply-add), so the default everywhere is the plain SIMD build
 * 'nn', which every engine runs: the same seed gives the same bits in Node and in every browser. The
 * relaxed-SIMD build ('nn-relaxed', FMA) is opt-in (`wasmBuild: 'nn-relaxed'`); on the machine measured
 * it made no consistent speed difference (bench/RESULTS.md), so portability wins the default.
 */
import { DeepRnnError, wasmInstantiationError } from '../../errors.js';
import type { WasmModule } from '../../wasm/module.js';
import { nnRelaxedWasm, nnWasm } from '../../wasm/modules.js';

export type KernelBuild = 'nn' | 'nn-relaxed';

/**
 * What a forward pass needs (assembly/nn/forward.ts, build/nn-forward.wasm); every build has these. Byte
 * pointers (`p`) into the instance's memory; sizes in elements.
 */
export interface ForwardKernels {
  memory: WebAssembly.Memory;
  heapBase(): number;
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
    accumulate: number,
  ): void;
  /** As gemm with B (K, N) pre-packed by packPanelsT (panelElements(K, N) elements). */
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
    accumulate: number,
  ): void;
  /** Packs W^T for W (rows, cols) into the panel layout gemmPrepacked reads. */
  packPanelsT(dst: number, w: number, rows: number, cols: number): void;
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
}

/** Every kernel of the full builds (assembly/nn/index.ts): the forward ones and those training needs. */
export interface NnKernels extends ForwardKernels {
  /** Packs B (k, n) itself into the panel layout gemmPrepacked reads. */
  packPanels(dst: number, b: number, k: number, n: number): void;
  scatterAddRows(table: number, src: number, idx: number, n: number, width: number): void;
  colSum(out: number, a: number, rows: number, cols: number, accumulate: number): void;
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
  softmaxXent(dlogits: number, logits: number, targets: number, rows: number, vocab: number): number;
  dropoutMask(mask: number, seed: number, step: number, layer: number, n: number, p: number, scale: number): void;
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

/** The module of a full kernel build. */
export function kernelModule(build: KernelBuild): WasmModule {
  return build === 'nn-relaxed' ? nnRelaxedWasm : nnWasm;
}

/** Whether this engine runs `build` (asked every time: a V8 flag set at run time changes the answer). */
export function buildSupported(build: KernelBuild): boolean {
  return kernelModule(build).available();
}

/** A fresh instance (its own memory) of a kernel module: 'nn' and 'nn-relaxed' give NnKernels, 'nn-forward' ForwardKernels. */
export async function instantiateKernels<K extends ForwardKernels = NnKernels>(wasm: WasmModule): Promise<K> {
  if (!wasm.available()) {
    throw new DeepRnnError('E_BAD_OPTION', `this JavaScript engine cannot run the '${wasm.name}' WASM build`);
  }
  const imports = {
    env: {
      abort(): never {
        throw new DeepRnnError('E_BAD_OPTION', 'WASM kernel aborted (internal error)');
      },
    },
  };
  try {
    const instance = await WebAssembly.instantiate(await wasm.module(), imports);
    return instance.exports as unknown as K;
  } catch (error) {
    throw wasmInstantiationError(error, 'WASM kernels');
  }
}
