/**
 * The CPU training engine (WASM SIMD) behind RecurrentModelCore: WasmForwardEngine (forward-engine.ts)
 * plus mean cross-entropy, BPTT, global-norm clipping, SGD and Adam, all inside the same WASM memory.
 *
 * Arena: WasmForwardEngine's fixed part, then gradients G and Adam moments M, V in the parameters'
 * layout (so norm and optimizers are single loops over one flat array) and the copies of W backward
 * reads (trainable-stack.ts LayerGrads), rebuilt from P after every update; the batch-shape part adds
 * the targets (T*B, time-major), per-row losses (T*B, f64) and the backward buffers (trainable-stack.ts).
 *
 * Threads: with `threads` > 1 the memory is one shared WebAssembly.Memory, the kernels are the module's
 * shared-memory twin (WasmModule.sharedModule), and a worker pool (pool.ts) computes parts of every large
 * call (parallel.ts), bit-identical to one thread.
 */
import { DeepRnnError } from '../../errors.js';
import type { Engine, EngineGrads, EngineStep, FlatBuffer, StartState } from '../../model/engine.js';
import { gateCount } from '../../model/params.js';
import type { ResolvedConfig, TokenTensor } from '../../model/types.js';
import { WasmForwardEngine, allocForward, writeTimeMajor, type ForwardParts } from './forward-engine.js';
import { instantiateKernels, kernelModule, type KernelBuild, type NnKernels } from './kernels.js';
import { Kernels, WORKER_KERNELS } from './parallel.js';
import { WorkerPool } from './pool.js';
import { MAX_PAGES } from '../../wasm/shared-memory.js';
import { TrainableStack, type LayerGrads } from './trainable-stack.js';

export interface WasmEngineOptions {
  build?: KernelBuild;
  /** Threads computing each step, the calling one included (default 1: no workers, no shared memory). */
  threads?: number;
  /** Internal, for tests: split every call, however small (parallel.ts MIN_WORK otherwise). */
  minWork?: number;
  /** Internal: the pool's spin, timeout and stealing (pool.ts). */
  spin?: number;
  timeoutMs?: number;
  steal?: boolean;
}

export class WasmEngine extends WasmForwardEngine<Kernels, TrainableStack> implements Engine {
  private tgt = 0;
  /** (T*B) f64: each row's loss, summed in order after a split softmaxXent. */
  private rowLoss = 0;
  private pool: WorkerPool | null = null;
  private lossSum = 0;
  private skipped = 0;

  private constructor(
    config: ResolvedConfig,
    k: Kernels,
    parts: ForwardParts,
    stack: TrainableStack,
    private readonly Gr: number,
    private readonly M: number,
    private readonly Vm: number,
  ) {
    super(config, k, parts, stack);
  }

  /** `config` must be validated (the core's factories do); `threads` an integer >= 1. */
  static async create(config: ResolvedConfig, options: WasmEngineOptions = {}): Promise<WasmEngine> {
    const build = options.build ?? 'nn';
    const threads = options.threads ?? 1;
    const wasm = kernelModule(build);
    if (threads === 1) return WasmEngine.build(config, await instantiateKernels<NnKernels>(wasm), options);
    const { memory, pages } = sharedMemory();
    const raw = await instantiateKernels<NnKernels>(wasm, memory);
    const engine = WasmEngine.build(config, raw, options, { maxBytes: pages * 65536, workers: threads - 1 });
    const pool = await WorkerPool.start({
      module: await wasm.sharedModule(),
      memory,
      scratch: engine.scratch,
      names: [...WORKER_KERNELS],
      spin: options.spin,
      timeoutMs: options.timeoutMs,
      steal: options.steal,
    });
    engine.pool = pool;
    engine.k.attach(pool);
    return engine;
  }

  private static build(
    config: ResolvedConfig,
    raw: NnKernels,
    options: WasmEngineOptions,
    shared: { maxBytes: number; workers: number } | null = null,
  ): WasmEngine {
    const k = new Kernels(raw, options.minWork);
    const parts = allocForward(raw, config, { ...shared, scratchBytes: shared ? raw.scratchBytes() : 0 });
    const { arena, layout } = parts;
    const n = layout.total;
    const [Gr, M, Vm] = [arena.alloc(n), arena.alloc(n), arena.alloc(n)];
    const grads: LayerGrads[] = layout.layers.map((o, l) => ({
      ...TrainableStack.allocBackwardCopies(arena, true, l, o.inSize, gateCount(config.cell), config.hidden),
      gwih: Gr + o.wih * 4,
      gwhh: Gr + o.whh * 4,
      gbih: Gr + o.bih * 4,
      gbhh: Gr + o.bhh * 4,
    }));
    const stack = new TrainableStack(k, arena, parts.spec, parts.weights, grads);
    arena.mark();
    arena.commit();
    return new WasmEngine(config, k, parts, stack, Gr, M, Vm);
  }

  override get threads(): number {
    return this.k.threads;
  }

  override failure(): DeepRnnError | null {
    return this.pool?.failure() ?? null;
  }

  /** Tasks the worker pool has run, and the parts its workers computed (0 without threads). */
  get threadedTasks(): number {
    return this.pool?.tasks ?? 0;
  }

  get workerParts(): number {
    return this.pool ? this.pool.handed - this.pool.stolen : 0;
  }

  /** Resolves once every worker thread has ended (at once without threads); for teardown checks. */
  closed(): Promise<void> {
    return this.pool?.closed() ?? Promise.resolve();
  }

  override dispose(): void {
    this.pool?.dispose();
    super.dispose();
  }

  override write(buffer: FlatBuffer, offset: number, data: Float32Array): void {
    if (buffer === 'params') super.write(buffer, offset, data);
    else this.arena.f32(this.base(buffer) + offset * 4, data.length).set(data);
  }

  override async read(buffers: FlatBuffer[]): Promise<Float32Array[]> {
    return buffers.map((b) => this.arena.f32(this.base(b), this.nParams).slice());
  }

  lossAndGrads(x: TokenTensor, y: TokenTensor, start: StartState, step: number): Promise<EngineGrads> {
    const [B, T] = x.shape;
    this.trainingForward(x, B, T, start, step);
    const logits = this.arena.f32(this.logits, T * B * this.config.vocabSize).slice();
    const loss = this.runBackward(y, B, T) / (B * T);
    const gradNorm = Math.sqrt(this.k.sumSquares(this.Gr, this.nParams));
    return Promise.resolve({
      logits,
      state: this.outState(),
      loss,
      gradNorm,
      grads: this.arena.f32(this.Gr, this.nParams).slice(),
    });
  }

  trainStep(x: TokenTensor, y: TokenTensor, start: StartState, o: EngineStep): void {
    const [B, T] = x.shape;
    if (o.zeroMoments) {
      this.arena.zero(this.M, this.nParams);
      this.arena.zero(this.Vm, this.nParams);
    }
    this.trainingForward(x, B, T, start, o.step);
    const lossSum = this.runBackward(y, B, T);
    const sumSquares = this.k.sumSquares(this.Gr, this.nParams);
    // Skipped and counted, not thrown (see Engine). The sums here are float64 but the GPU's are float32,
    // so a loss sum or squared norm beyond float32's range counts as non-finite, as it does there.
    if (!Number.isFinite(Math.fround(lossSum)) || !Number.isFinite(Math.fround(sumSquares))) {
      this.skipped++;
      return;
    }
    const norm = Math.sqrt(sumSquares);
    const scale = Math.min(1, o.clip / norm);
    if (o.optimizer === 'sgd') {
      this.k.sgdStep(this.P, this.Gr, this.nParams, Math.fround(o.lr * scale));
    } else {
      this.k.adamStep(this.P, this.Gr, this.M, this.Vm, this.nParams, scale, o.lr, o.beta1, o.beta2, o.eps, o.step + 1);
    }
    this.transposesStale = true;
    this.lossSum += lossSum;
  }

  async takeLoss(): Promise<{ lossSum: number; skipped: number }> {
    const r = { lossSum: this.lossSum, skipped: this.skipped };
    this.lossSum = 0;
    this.skipped = 0;
    return r;
  }

  protected override layoutBatch(B: number, T: number): void {
    super.layoutBatch(B, T);
    this.tgt = this.arena.alloc(B * T);
    this.rowLoss = this.arena.alloc(2 * B * T);
  }

  private base(buffer: FlatBuffer): number {
    return buffer === 'params' ? this.P : buffer === 'adamM' ? this.M : this.Vm;
  }

  /** Forward with the dropout masks of optimizer step `step`. */
  private trainingForward(x: TokenTensor, B: number, T: number, start: StartState, step: number): void {
    this.stack.dropoutStep = step;
    try {
      this.runForward(x, B, T, this.from(start, B));
    } finally {
      this.stack.dropoutStep = null;
    }
  }

  /** Loss sum over the batch and every gradient into G; the forward must have just run on this shape. */
  private runBackward(y: TokenTensor, B: number, T: number): number {
    const { hidden: H, vocabSize: V } = this.config;
    const k = this.k;
    const N = B * T;
    writeTimeMajor(this.arena.i32(this.tgt, N), y.data, B, T);
    const lossSum = k.softmaxXent(this.logits, this.logits, this.tgt, N, V, this.rowLoss);
    const s = this.stack;
    k.gemm(this.Gr + this.layout.wout * 4, H, this.logits, 1, V, s.output(), H, V, H, N, 0);
    k.colSum(this.Gr + this.layout.bout * 4, this.logits, N, V, 0);
    k.gemm(s.dA, H, this.logits, V, 1, this.P + this.layout.wout * 4, H, N, H, V, 0);
    s.backward(this.tok);
    return lossSum;
  }
}

/**
 * The shared memory every thread's instance uses: as large a maximum as this engine reserves (wasm32's
 * 4 GiB where it can; 64-bit engines reserve address space only, nothing is committed until it grows).
 */
function sharedMemory(): { memory: WebAssembly.Memory; pages: number } {
  let cause: unknown;
  for (const pages of [MAX_PAGES, MAX_PAGES / 4, MAX_PAGES / 16]) {
    try {
      return { memory: new WebAssembly.Memory({ initial: 64, maximum: pages, shared: true }), pages };
    } catch (error) {
      cause = error;
    }
  }
  throw new DeepRnnError('E_TOO_LARGE', 'could not reserve a shared WASM memory for threads', { cause });
}
