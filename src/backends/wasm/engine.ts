/**
 * The CPU engine (WASM SIMD) behind RecurrentModelCore: d2l's RNNModel - one-hot input, L stacked cells,
 * linear output, mean cross-entropy - with BPTT, global-norm clipping, SGD and Adam, all inside one WASM
 * memory.
 *
 * Arena: fixed part (sized by the model) = parameters P in the model layout (src/model/layout.ts),
 * gradients G and Adam moments M, V in the same layout (so norm and optimizers are single loops over one
 * flat array), and the weight copies the GEMMs read - W^T in 8-column panels for the forward products, W
 * in panels for the backward ones, W^T row-major for batch-1 generation (stack.ts LayerWeights) -
 * rebuilt from P after every update - and each worker thread's packing scratch. Batch-shape part (re-laid
 * out only when (B, T) changes, grown only when it needs more room) = tokens and targets (T*B,
 * time-major), logits (T*B, V), per-row losses (T*B, f64) and the stack's activations (stack.ts).
 */
import type { Engine, EngineGrads, EngineRun, EngineStep, FlatBuffer, StartState } from '../../model/engine.js';
import { modelLayout, type ParamLayout } from '../../model/layout.js';
import { gateCount } from '../../model/params.js';
import type { RecurrentState, ResolvedConfig, TokenTensor } from '../../model/types.js';
import { DeepRnnError } from '../../errors.js';
import { Arena } from './arena.js';
import { instantiateKernels, kernelModule, panelElements, type KernelBuild, type NnKernels } from './kernels.js';
import { Kernels, WORKER_KERNELS } from './parallel.js';
import { WorkerPool } from './pool.js';
import { MAX_PAGES } from './shared-memory.js';
import { RecurrentStack, type LayerWeights } from './stack.js';

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

interface Carried {
  batch: number;
  h: Float32Array;
  c?: Float32Array;
}

/**
 * The state a run starts from or the engine carries: zeros (null), JS arrays (given by the user), or the
 * final state of the last run, left in place in the arena at h(l, T) / c(l, T) so that stepping costs no
 * copy out and back.
 */
type ArenaState = null | Carried | 'arena';

export class WasmEngine implements Engine {
  readonly backend = 'wasm' as const;
  readonly layout: ParamLayout;
  private readonly nParams: number;
  private readonly P: number;
  private readonly Gr: number;
  private readonly M: number;
  private readonly Vm: number;
  private readonly wlinT: number;
  /** linear.weight^T (H, V) row-major, for batch-1 generation (see LayerWeights.wihR). */
  private readonly wlinR: number;
  private readonly stack: RecurrentStack;
  private tok = 0;
  private tgt = 0;
  private logits = 0;
  /** (T*B) f64: each row's loss, summed in order after a split softmaxXent. */
  private rowLoss = 0;
  private shape: [number, number] = [0, 0];
  private transposesStale = true;
  private wlinRStale = true;
  private carried: ArenaState = null;
  private lossSum = 0;
  private skipped = 0;
  private k: Kernels;
  private arena: Arena;
  private pool: WorkerPool | null = null;
  /** Each worker's packing scratch (threads - 1 regions of k.raw.scratchBytes()). */
  private readonly scratch: number[];

  private constructor(
    readonly config: ResolvedConfig,
    raw: NnKernels,
    readonly kernelBuild: KernelBuild,
    threads: number,
    options: { maxBytes?: number; minWork?: number },
  ) {
    const k = new Kernels(raw, options.minWork);
    this.k = k;
    const arena = new Arena(raw, options.maxBytes);
    this.arena = arena;
    this.scratch = Array.from({ length: threads - 1 }, () => arena.alloc(raw.scratchBytes() / 4));
    this.layout = modelLayout(config);
    const n = this.layout.total;
    this.nParams = n;
    this.P = arena.alloc(n);
    this.Gr = arena.alloc(n);
    this.M = arena.alloc(n);
    this.Vm = arena.alloc(n);
    const { layers: L, hidden: H, vocabSize: V } = config;
    const weights: LayerWeights[] = this.layout.layers.map((o, l) => ({
      inSize: o.inSize,
      wih: this.P + o.wih * 4,
      whh: this.P + o.whh * 4,
      bih: this.P + o.bih * 4,
      bhh: this.P + o.bhh * 4,
      ...RecurrentStack.allocCopies(arena, true, l, o.inSize, gateCount(config.cell), H),
      gwih: this.Gr + o.wih * 4,
      gwhh: this.Gr + o.whh * 4,
      gbih: this.Gr + o.bih * 4,
      gbhh: this.Gr + o.bhh * 4,
    }));
    this.wlinT = arena.alloc(panelElements(H, V));
    this.wlinR = arena.alloc(H * V);
    this.stack = new RecurrentStack(
      k,
      arena,
      {
        cell: config.cell,
        relu: config.nonlinearity === 'relu',
        layers: L,
        hidden: H,
        tokens: true,
        inSize: V,
        dropout: config.dropout,
        seed: config.seed,
      },
      weights,
    );
    arena.mark();
    arena.commit();
  }

  /** `config` must be validated (the core's factories do); `threads` an integer >= 1. */
  static async create(config: ResolvedConfig, options: WasmEngineOptions = {}): Promise<WasmEngine> {
    const build = options.build ?? 'nn';
    const threads = options.threads ?? 1;
    if (threads === 1) return new WasmEngine(config, await instantiateKernels(build), build, 1, options);
    const { memory, pages } = sharedMemory();
    const engine = new WasmEngine(config, await instantiateKernels(build, memory), build, threads, {
      ...options,
      maxBytes: pages * 65536,
    });
    const pool = await WorkerPool.start({
      module: await kernelModule(build, true),
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

  get threads(): number {
    return this.k.threads;
  }

  failure(): DeepRnnError | null {
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

  write(buffer: FlatBuffer, offset: number, data: Float32Array): void {
    this.arena.f32(this.base(buffer) + offset * 4, data.length).set(data);
    if (buffer === 'params') this.transposesStale = true;
  }

  async read(buffers: FlatBuffer[]): Promise<Float32Array[]> {
    return buffers.map((b) => this.arena.f32(this.base(b), this.nParams).slice());
  }

  writeState(state: RecurrentState, batch: number): void {
    this.carried = { batch, h: state.h.slice(), ...(state.c ? { c: state.c.slice() } : {}) };
  }

  async readState(): Promise<RecurrentState> {
    const carried = this.carried === 'arena' ? this.finalState() : this.carried!;
    return { h: carried.h.slice(), ...(carried.c ? { c: carried.c.slice() } : {}) };
  }

  // Not async: a layout that does not fit throws at once (see Engine).
  forward(x: TokenTensor, start: StartState): Promise<EngineRun> {
    const [B, T] = x.shape;
    this.runForward(x, B, T, this.from(start, B), false, 0);
    return Promise.resolve({
      logits: this.arena.f32(this.logits, T * B * this.config.vocabSize).slice(),
      state: this.outState(),
    });
  }

  lossAndGrads(x: TokenTensor, y: TokenTensor, start: StartState, step: number): Promise<EngineGrads> {
    const [B, T] = x.shape;
    this.runForward(x, B, T, this.from(start, B), true, step);
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
    this.runForward(x, B, T, this.from(start, B), true, o.step);
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

  dispose(): void {
    this.pool?.dispose();
    // Dropping the only references to the instance releases its memory to the garbage collector.
    this.k = undefined as unknown as Kernels;
    this.arena = undefined as unknown as Arena;
  }

  private base(buffer: FlatBuffer): number {
    return buffer === 'params' ? this.P : buffer === 'adamM' ? this.M : this.Vm;
  }

  private from(start: StartState, batch: number): ArenaState {
    if (start === 'zeros') return null;
    if (start === 'carried') return this.carried;
    return { batch, h: start.h, c: start.c };
  }

  private ensureShape(B: number, T: number): void {
    if (this.shape[0] === B && this.shape[1] === T) return;
    const a = this.arena;
    // Until the new layout is committed no shape is valid (an E_TOO_LARGE midway must not leave stale
    // pointers behind), and a state left in the old layout is gone.
    this.shape = [0, 0];
    if (this.carried === 'arena') this.carried = null;
    a.rewind();
    this.tok = a.alloc(B * T);
    this.tgt = a.alloc(B * T);
    this.logits = a.alloc(B * T * this.config.vocabSize);
    this.rowLoss = a.alloc(2 * B * T);
    this.stack.layout(B, T);
    a.commit();
    this.shape = [B, T];
  }

  private runForward(x: TokenTensor, B: number, T: number, start: ArenaState, training: boolean, step: number): void {
    const { layers: L, hidden: H, vocabSize: V } = this.config;
    // A new shape re-lays out the arena, so a state left there is copied out first.
    if (start === 'arena' && this.shape[1] !== T) start = this.finalState();
    const T0 = this.shape[1];
    this.ensureShape(B, T);
    const a = this.arena;
    const s = this.stack;
    writeTimeMajor(a.i32(this.tok, B * T), x.data, B, T);
    const BH = B * H;
    for (let l = 0; l < L; l++) {
      if (start === null) {
        a.zero(s.h(l, 0), BH);
        if (this.config.cell === 'lstm') a.zero(s.c(l, 0), BH);
      } else if (start === 'arena') {
        a.copy(s.h(l, 0), s.h(l, T0), BH);
        if (this.config.cell === 'lstm') a.copy(s.c(l, 0), s.c(l, T0), BH);
      } else {
        a.f32(s.h(l, 0), BH).set(start.h.subarray(l * BH, (l + 1) * BH));
        if (this.config.cell === 'lstm') a.f32(s.c(l, 0), BH).set(start.c!.subarray(l * BH, (l + 1) * BH));
      }
    }
    const wout = this.P + this.layout.wout * 4;
    if (this.transposesStale) {
      s.refreshTransposes();
      this.k.packPanelsT(this.wlinT, wout, V, H);
      this.transposesStale = false;
      this.wlinRStale = true;
    }
    if (B * T < 4 && this.wlinRStale) {
      this.k.transpose(this.wlinR, wout, V, H);
      this.wlinRStale = false;
    }
    s.forward(this.tok, training, step);
    if (B * T < 4) this.k.gemm(this.logits, V, s.output(), H, 1, this.wlinR, V, B * T, V, H, 0);
    else this.k.gemmPrepacked(this.logits, V, s.output(), H, 1, this.wlinT, B * T, V, H, 0);
    this.k.addRowBias(this.logits, this.P + this.layout.bout * 4, B * T, V);
    this.carried = 'arena';
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

  private outState(): RecurrentState {
    const { h, c } = this.finalState();
    return c ? { h, c } : { h };
  }

  private finalState(): Carried {
    const { layers: L, hidden: H, cell } = this.config;
    const [B, T] = this.shape;
    const BH = B * H;
    const h = new Float32Array(L * BH);
    const c = cell === 'lstm' ? new Float32Array(L * BH) : undefined;
    for (let l = 0; l < L; l++) {
      h.set(this.arena.f32(this.stack.h(l, T), BH), l * BH);
      c?.set(this.arena.f32(this.stack.c(l, T), BH), l * BH);
    }
    return c ? { batch: B, h, c } : { batch: B, h };
  }
}

/** dst[t*B + b] = src[b*T + t]: (batch, steps) tokens to the time-major rows the kernels use. */
function writeTimeMajor(dst: Int32Array, src: Int32Array, B: number, T: number): void {
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) dst[t * B + b] = src[b * T + t];
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
