/**
 * The CPU forward engine (WASM SIMD) behind ForwardModelCore: d2l's RNNModel forward - one-hot input, L
 * stacked cells, linear output - in one WASM memory. The generation-only entry point runs it on the
 * forward kernels alone (build/nn-forward.wasm); WasmEngine (engine.ts) extends it for training.
 *
 * Arena: fixed part (sized by the model) = parameters P in the model layout (src/model/layout.ts) and
 * the weight copies the GEMMs read - W^T in 8-column panels for products of 4 rows or more, in 32-column
 * panels for batch-1 generation (stack.ts LayerWeights) - rebuilt from P after every change. Batch-shape part
 * (re-laid out only when (B, T) changes, grown only when it needs more room) = tokens (T*B, time-major),
 * logits (T*B, V) and the stack's activations (stack.ts).
 */
import type { DeepRnnError } from '../../errors.js';
import type { EngineRun, ForwardEngine, StartState } from '../../model/engine.js';
import { modelLayout, type ParamLayout } from '../../model/layout.js';
import { gateCount } from '../../model/params.js';
import type { RecurrentState, ResolvedConfig, TokenTensor } from '../../model/types.js';
import type { WasmModule } from '../../wasm/module.js';
import { Arena } from './arena.js';
import { instantiateKernels, panelElements, wideElements, type ForwardKernels } from './kernels.js';
import { RecurrentStack, type LayerWeights, type StackKernels, type StackSpec } from './stack.js';

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

/** The model-sized part of the arena every WASM engine starts with (see the header). */
export interface ForwardParts {
  arena: Arena;
  layout: ParamLayout;
  /** Byte offset of the parameters. */
  P: number;
  weights: LayerWeights[];
  /** linear.weight^T (H, V) in panels, and in wide panels for batch-1 generation (see LayerWeights.wihW). */
  wlinT: number;
  wlinW: number;
  spec: StackSpec;
  /** Each worker thread's packing scratch (empty without threads). */
  scratch: number[];
}

/**
 * Allocates the parameters and the forward weight copies of a validated config in a new arena over `k`,
 * after a packing scratch for each of `workers` worker threads; `maxBytes`: a shared memory's maximum.
 */
export function allocForward(
  k: ForwardKernels,
  config: ResolvedConfig,
  options: { maxBytes?: number; workers?: number; scratchBytes?: number } = {},
): ForwardParts {
  const arena = new Arena(k, options.maxBytes);
  const scratch = Array.from({ length: options.workers ?? 0 }, () => arena.alloc((options.scratchBytes ?? 0) / 4));
  const layout = modelLayout(config);
  const P = arena.alloc(layout.total);
  const { hidden: H, vocabSize: V } = config;
  const weights: LayerWeights[] = layout.layers.map((o, l) => ({
    inSize: o.inSize,
    wih: P + o.wih * 4,
    whh: P + o.whh * 4,
    bih: P + o.bih * 4,
    bhh: P + o.bhh * 4,
    ...RecurrentStack.allocCopies(arena, true, l, o.inSize, gateCount(config.cell), H),
  }));
  const wlinT = arena.alloc(panelElements(H, V));
  const wlinW = arena.alloc(wideElements(H, V));
  return { arena, layout, P, weights, wlinT, wlinW, spec: modelStackSpec(config), scratch };
}

/** The stack of d2l's RNNModel: token ids in, the config's cell and sizes. */
export function modelStackSpec(config: ResolvedConfig): StackSpec {
  return {
    cell: config.cell,
    relu: config.nonlinearity === 'relu',
    layers: config.layers,
    hidden: config.hidden,
    tokens: true,
    inSize: config.vocabSize,
    dropout: config.dropout,
    seed: config.seed,
  };
}

export class WasmForwardEngine<K extends StackKernels = ForwardKernels, S extends RecurrentStack<K> = RecurrentStack<K>>
  implements ForwardEngine
{
  readonly backend = 'wasm' as const;
  readonly layout: ParamLayout;
  protected readonly nParams: number;
  protected readonly P: number;
  private readonly wlinT: number;
  private readonly wlinW: number;
  protected tok = 0;
  protected logits = 0;
  protected shape: [number, number] = [0, 0];
  protected transposesStale = true;
  private wlinWStale = true;
  private carried: ArenaState = null;
  protected k: K;
  protected arena: Arena;
  /** Each worker thread's packing scratch (see allocForward). */
  protected readonly scratch: number[];

  /** The arena's fixed part must be complete (marked and committed) before the engine is made. */
  protected constructor(
    readonly config: ResolvedConfig,
    k: K,
    parts: ForwardParts,
    protected readonly stack: S,
  ) {
    this.k = k;
    this.arena = parts.arena;
    this.layout = parts.layout;
    this.nParams = parts.layout.total;
    this.P = parts.P;
    this.wlinT = parts.wlinT;
    this.wlinW = parts.wlinW;
    this.scratch = parts.scratch;
  }

  /** A forward-only engine on `wasm` (any kernel module: all have the forward kernels); `config` must be validated. */
  static async createForward(config: ResolvedConfig, wasm: WasmModule): Promise<WasmForwardEngine> {
    const k = await instantiateKernels<ForwardKernels>(wasm);
    const parts = allocForward(k, config);
    const stack = new RecurrentStack(k, parts.arena, parts.spec, parts.weights);
    parts.arena.mark();
    parts.arena.commit();
    return new WasmForwardEngine(config, k, parts, stack);
  }

  /** 1 here; WasmEngine counts its worker pool. */
  get threads(): number {
    return 1;
  }

  /** Nothing fails here but a worker thread (WasmEngine's pool). */
  failure(): DeepRnnError | null {
    return null;
  }

  write(_buffer: 'params', offset: number, data: Float32Array): void {
    this.arena.f32(this.P + offset * 4, data.length).set(data);
    this.transposesStale = true;
  }

  async read(_buffers: 'params'[]): Promise<Float32Array[]> {
    return [this.arena.f32(this.P, this.nParams).slice()];
  }

  writeState(state: RecurrentState, batch: number): void {
    this.carried = { batch, h: state.h.slice(), ...(state.c ? { c: state.c.slice() } : {}) };
  }

  async readState(): Promise<RecurrentState> {
    const carried = this.carried === 'arena' ? this.finalState() : this.carried!;
    return { h: carried.h.slice(), ...(carried.c ? { c: carried.c.slice() } : {}) };
  }

  // Not async: a layout that does not fit throws at once (see Engine).
  forward(x: TokenTensor, start: StartState, out?: EngineRun): Promise<EngineRun> {
    const [B, T] = x.shape;
    this.runForward(x, B, T, this.from(start, B));
    const logits = this.arena.f32(this.logits, T * B * this.config.vocabSize);
    if (out === undefined) return Promise.resolve({ logits: logits.slice(), state: this.outState() });
    out.logits.set(logits);
    this.finalStateInto(out.state);
    return Promise.resolve(out);
  }

  dispose(): void {
    // Dropping the only references to the instance releases its memory to the garbage collector.
    this.k = undefined as unknown as K;
    this.arena = undefined as unknown as Arena;
  }

  protected from(start: StartState, batch: number): ArenaState {
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
    this.layoutBatch(B, T);
    a.commit();
    this.shape = [B, T];
  }

  /** Lays out the batch-shape part of the arena (WasmEngine adds the targets). */
  protected layoutBatch(B: number, T: number): void {
    this.tok = this.arena.alloc(B * T);
    this.logits = this.arena.alloc(B * T * this.config.vocabSize);
    this.stack.layout(B, T);
  }

  protected runForward(x: TokenTensor, B: number, T: number, start: ArenaState): void {
    const { layers: L, hidden: H } = this.config;
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
    this.refreshWeights(B * T);
    s.forward(this.tok);
    this.projectOutput(B * T);
    this.carried = 'arena';
  }

  /**
   * Rebuilds the weight copies the products of a (B*T)-row run read, after the parameters changed; a
   * copy at 0 does not exist (the int8 engine keeps none) and is skipped, as the stack skips its own.
   */
  private refreshWeights(rows: number): void {
    const { hidden: H, vocabSize: V } = this.config;
    const wout = this.P + this.layout.wout * 4;
    if (this.transposesStale) {
      this.stack.refreshTransposes();
      if (this.wlinT !== 0) this.k.packPanelsT(this.wlinT, wout, V, H);
      this.transposesStale = false;
      this.wlinWStale = true;
    }
    if (rows < 4 && this.wlinWStale) {
      if (this.wlinW !== 0) this.k.packWideT(this.wlinW, wout, V, H);
      this.wlinWStale = false;
    }
  }

  /** logits (rows, V) = top-layer outputs . linear.weight^T + linear.bias. */
  protected projectOutput(rows: number): void {
    const { hidden: H, vocabSize: V } = this.config;
    const top = this.stack.output();
    if (rows < 4) this.k.gemmWide(this.logits, V, top, H, 1, this.wlinW, rows, V, H, 0);
    else this.k.gemmPrepacked(this.logits, V, top, H, 1, this.wlinT, rows, V, H, 0);
    this.k.addRowBias(this.logits, this.P + this.layout.bout * 4, rows, V);
  }

  protected outState(): RecurrentState {
    const { h, c } = this.finalState();
    return c ? { h, c } : { h };
  }

  private finalState(): Carried {
    const { layers: L, hidden: H, cell } = this.config;
    const B = this.shape[0];
    const h = new Float32Array(L * B * H);
    const c = cell === 'lstm' ? new Float32Array(L * B * H) : undefined;
    this.finalStateInto(c ? { h, c } : { h });
    return c ? { batch: B, h, c } : { batch: B, h };
  }

  /** Copies the final state of the last run, (L, B, H), into `state`'s arrays. */
  private finalStateInto(state: RecurrentState): void {
    const [B, T] = this.shape;
    const BH = B * this.config.hidden;
    for (let l = 0; l < this.config.layers; l++) {
      state.h.set(this.arena.f32(this.stack.h(l, T), BH), l * BH);
      state.c?.set(this.arena.f32(this.stack.c(l, T), BH), l * BH);
    }
  }
}

/** dst[t*B + b] = src[b*T + t]: (batch, steps) tokens to the time-major rows the kernels use. */
export function writeTimeMajor(dst: Int32Array, src: Int32Array, B: number, T: number): void {
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) dst[t * B + b] = src[b * T + t];
}
