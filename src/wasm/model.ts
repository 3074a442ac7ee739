/**
 * RecurrentModel on the CPU backend (WASM SIMD): d2l's RNNModel - one-hot input, L stacked cells, linear
 * output, mean cross-entropy - with BPTT, global-norm clipping, SGD and Adam, all inside one WASM memory.
 *
 * Arena: fixed part (sized by the model) = parameters P in PyTorch state_dict order, gradients G and Adam
 * moments M, V in the same layout (so norm and optimizers are single loops over one flat array), and the
 * weight copies the GEMMs read - W^T in 8-column panels for the forward products, W in panels for the
 * backward ones, W^T row-major for batch-1 generation (stack.ts LayerWeights) - rebuilt from P after
 * every update. Batch-shape part (re-laid out only when (B, T) changes, grown only when it needs more
 * room) = tokens and targets (T*B, time-major), logits (T*B, V) and the stack's activations (stack.ts).
 */
import { DeepRnnError, check } from '../errors.js';
import { gateCount, initParameters, parameterShapes } from '../model/params.js';
import type {
  ForwardResult, LossAndGradsResult, ModelConfig, OptimizerState, RecurrentModel, RecurrentState, ResolvedConfig,
  StateDict, TokenTensor, TrainStepOptions,
} from '../model/types.js';
import { validateConfig, validatePair, validateState, validateStateDict, validateTokens, validateTrainOptions } from '../model/validate.js';
import { Arena } from './arena.js';
import { instantiateKernels, panelElements, type KernelBuild, type NnKernels } from './kernels.js';
import { RecurrentStack, type LayerWeights } from './stack.js';

interface Carried {
  batch: number;
  h: Float32Array;
  c?: Float32Array;
}

/**
 * The carried state: none (zeros), given by the user (JS arrays), or the final state of the last run,
 * left in place in the arena at h(l, T) / c(l, T) so that stepping costs no copy out and back.
 */
type CarriedState = null | Carried | 'arena';

export class WasmModel implements RecurrentModel {
  readonly backend = 'wasm' as const;
  private readonly shapes: Array<[string, number[]]>;
  /** Element offset of each parameter inside P (and G, M, V). */
  private readonly offsets = new Map<string, number>();
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
  private shape: [number, number] = [0, 0];
  private transposesStale = true;
  private wlinRStale = true;
  private carried: CarriedState = null;
  private step = 0;
  private adamUsed = false;
  private lossSum = 0;
  private lossTokens = 0;
  private disposed = false;
  private k: NnKernels;
  private arena: Arena;

  private constructor(readonly config: ResolvedConfig, k: NnKernels, readonly kernelBuild: KernelBuild) {
    this.k = k;
    const arena = new Arena(k);
    this.arena = arena;
    this.shapes = parameterShapes(config);
    let n = 0;
    for (const [name, shape] of this.shapes) {
      this.offsets.set(name, n);
      n += shape.reduce((x, y) => x * y, 1);
    }
    this.nParams = n;
    this.P = arena.alloc(n);
    this.Gr = arena.alloc(n);
    this.M = arena.alloc(n);
    this.Vm = arena.alloc(n);
    const { layers: L, hidden: H, vocabSize: V } = config;
    const GH = gateCount(config.cell) * H;
    const at = (base: number, name: string) => base + this.offsets.get(name)! * 4;
    const weights: LayerWeights[] = [];
    for (let l = 0; l < L; l++) {
      const inSize = l === 0 ? V : H;
      const p = `rnn.weight_ih_l${l}`;
      const q = `rnn.weight_hh_l${l}`;
      const bi = `rnn.bias_ih_l${l}`;
      const bh = `rnn.bias_hh_l${l}`;
      const copies = RecurrentStack.allocCopies(arena, true, l, inSize, gateCount(config.cell), H);
      weights.push({
        inSize, wih: at(this.P, p), whh: at(this.P, q), bih: at(this.P, bi), bhh: at(this.P, bh),
        ...copies,
        gwih: at(this.Gr, p), gwhh: at(this.Gr, q), gbih: at(this.Gr, bi), gbhh: at(this.Gr, bh),
      });
    }
    this.wlinT = arena.alloc(panelElements(H, V));
    this.wlinR = arena.alloc(H * V);
    this.stack = new RecurrentStack(k, arena, {
      cell: config.cell, relu: config.nonlinearity === 'relu', layers: L, hidden: H, tokens: true, inSize: V,
      dropout: config.dropout, seed: config.seed,
    }, weights);
    arena.mark();
    arena.commit();
    this.writeParams(initParameters(config));
  }

  static async create(config: ModelConfig, build: KernelBuild = 'nn'): Promise<WasmModel> {
    const resolved = validateConfig(config);
    return new WasmModel(resolved, await instantiateKernels(build), build);
  }

  parameterShapes(): Array<[name: string, shape: number[]]> {
    return this.shapes.map(([n, s]) => [n, [...s]]);
  }

  loadStateDict(dict: StateDict): void {
    this.live();
    validateStateDict(dict, this.config);
    this.writeParams(dict);
  }

  async stateDict(): Promise<StateDict> {
    this.live();
    return this.readDict(this.P);
  }

  async getState(): Promise<RecurrentState | null> {
    this.live();
    const carried = this.carried === 'arena' ? this.finalState() : this.carried;
    if (carried === null) return null;
    return { h: carried.h.slice(), ...(carried.c ? { c: carried.c.slice() } : {}) };
  }

  setState(state: RecurrentState | null, batchSize?: number): void {
    this.live();
    if (state === null) {
      this.carried = null;
      return;
    }
    this.carried = this.checkedState(state, batchSize);
  }

  async forward(x: TokenTensor, state?: RecurrentState | null): Promise<ForwardResult> {
    this.live();
    const [B, T] = validateTokens(x, this.config.vocabSize, 'X');
    const start = this.startState(state, B);
    this.runForward(x, B, T, start, false);
    const { h, c } = this.finalState();
    return { logits: this.arena.f32(this.logits, T * B * this.config.vocabSize).slice(), state: c ? { h, c } : { h } };
  }

  async lossAndGrads(x: TokenTensor, y: TokenTensor, state?: RecurrentState | null): Promise<LossAndGradsResult> {
    this.live();
    const [B, T] = validatePair(x, y, this.config.vocabSize);
    const start = this.startState(state, B);
    this.runForward(x, B, T, start, true);
    const logits = this.arena.f32(this.logits, T * B * this.config.vocabSize).slice();
    const loss = this.runBackward(y, B, T) / (B * T);
    const gradNorm = Math.sqrt(this.k.sumSquares(this.Gr, this.nParams));
    const { h, c } = this.finalState();
    return { logits, state: c ? { h, c } : { h }, loss, grads: this.readDict(this.Gr), gradNorm };
  }

  trainStep(x: TokenTensor, y: TokenTensor, options: TrainStepOptions): void {
    this.live();
    const o = validateTrainOptions(options);
    const [B, T] = validatePair(x, y, this.config.vocabSize);
    const start = o.resetState ? null : this.startState(undefined, B);
    this.runForward(x, B, T, start, true);
    const lossSum = this.runBackward(y, B, T);
    const norm = Math.sqrt(this.k.sumSquares(this.Gr, this.nParams));
    if (!Number.isFinite(lossSum) || !Number.isFinite(norm)) {
      throw new DeepRnnError('E_NOT_FINITE', `training step ${this.step} produced a non-finite ${Number.isFinite(lossSum) ? 'gradient norm' : 'loss'}; parameters were not updated`);
    }
    const scale = Math.min(1, o.clip / norm);
    if (o.optimizer === 'sgd') {
      this.k.sgdStep(this.P, this.Gr, this.nParams, Math.fround(o.lr * scale));
    } else {
      if (!this.adamUsed) {
        this.arena.zero(this.M, this.nParams);
        this.arena.zero(this.Vm, this.nParams);
        this.adamUsed = true;
      }
      this.k.adamStep(this.P, this.Gr, this.M, this.Vm, this.nParams, scale, o.lr, o.beta1, o.beta2, o.eps, this.step + 1);
    }
    this.step++;
    this.transposesStale = true;
    this.lossSum += lossSum;
    this.lossTokens += B * T;
  }

  async readLoss(): Promise<{ loss: number; tokens: number }> {
    this.live();
    // As the WebGPU model: no steps since the last read gives loss 0 over 0 tokens.
    const r = { loss: this.lossTokens > 0 ? this.lossSum / this.lossTokens : 0, tokens: this.lossTokens };
    this.lossSum = 0;
    this.lossTokens = 0;
    return r;
  }

  async optimizerState(): Promise<OptimizerState> {
    this.live();
    return { step: this.step, ...(this.adamUsed ? { adam: { m: this.readDict(this.M), v: this.readDict(this.Vm) } } : {}) };
  }

  loadOptimizerState(state: OptimizerState): void {
    this.live();
    check(typeof state === 'object' && state !== null, 'optimizer state must be an object');
    check(Number.isInteger(state.step) && state.step >= 0, `optimizer step must be a non-negative integer, got ${String(state.step)}`);
    if (state.adam !== undefined) {
      validateStateDict(state.adam.m, this.config);
      validateStateDict(state.adam.v, this.config);
    }
    this.step = state.step;
    if (state.adam !== undefined) {
      this.writeDict(this.M, state.adam.m);
      this.writeDict(this.Vm, state.adam.v);
      this.adamUsed = true;
    } else {
      this.adamUsed = false;
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    // Dropping the only references to the instance releases its memory to the garbage collector.
    this.k = undefined as unknown as NnKernels;
    this.arena = undefined as unknown as Arena;
  }

  private live(): void {
    if (this.disposed) throw new DeepRnnError('E_DISPOSED', 'this model was disposed');
  }

  private checkedState(state: RecurrentState, batchSize?: number): Carried {
    const { layers: L, hidden: H } = this.config;
    check(typeof state === 'object' && state !== null && state.h instanceof Float32Array, 'state.h must be a Float32Array', 'E_BAD_SHAPE');
    const batch = batchSize ?? state.h.length / (L * H);
    check(Number.isInteger(batch) && batch > 0, `state batch size must be a positive integer, got ${batch}`, 'E_BAD_SHAPE');
    validateState(state, this.config, batch);
    return { batch, h: state.h.slice(), ...(state.c ? { c: state.c.slice() } : {}) };
  }

  /**
   * The state to start from: given, zeros (null), or the carried one (zeros if it was for another batch
   * size). 'arena': the final state of the last run, still in place for the current shape.
   */
  private startState(state: RecurrentState | null | undefined, batch: number): CarriedState {
    if (state === null) return null;
    if (state !== undefined) {
      validateState(state, this.config, batch);
      return { batch, h: state.h, c: state.c };
    }
    if (this.carried === 'arena') return this.shape[0] === batch ? 'arena' : null;
    return this.carried !== null && this.carried.batch === batch ? this.carried : null;
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
    this.stack.layout(B, T);
    a.commit();
    this.shape = [B, T];
  }

  private runForward(x: TokenTensor, B: number, T: number, start: CarriedState, training: boolean): void {
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
    if (this.transposesStale) {
      s.refreshTransposes();
      this.k.packPanelsT(this.wlinT, this.P + this.offsets.get('linear.weight')! * 4, V, H);
      this.transposesStale = false;
      this.wlinRStale = true;
    }
    if (B * T < 4 && this.wlinRStale) {
      this.k.transpose(this.wlinR, this.P + this.offsets.get('linear.weight')! * 4, V, H);
      this.wlinRStale = false;
    }
    s.forward(this.tok, training, this.step);
    if (B * T < 4) this.k.gemm(this.logits, V, s.output(), H, 1, this.wlinR, V, B * T, V, H, 0);
    else this.k.gemmPrepacked(this.logits, V, s.output(), H, 1, this.wlinT, B * T, V, H, 0);
    this.k.addRowBias(this.logits, this.P + this.offsets.get('linear.bias')! * 4, B * T, V);
    this.carried = 'arena';
  }

  /** Loss sum over the batch and every gradient into G; the forward must have just run on this shape. */
  private runBackward(y: TokenTensor, B: number, T: number): number {
    const { hidden: H, vocabSize: V } = this.config;
    const k = this.k;
    const N = B * T;
    writeTimeMajor(this.arena.i32(this.tgt, N), y.data, B, T);
    const lossSum = k.softmaxXent(this.logits, this.logits, this.tgt, N, V);
    const s = this.stack;
    const gw = this.Gr + this.offsets.get('linear.weight')! * 4;
    k.gemm(gw, H, this.logits, 1, V, s.output(), H, V, H, N, 0);
    k.colSum(this.Gr + this.offsets.get('linear.bias')! * 4, this.logits, N, V, 0);
    k.gemm(s.dA, H, this.logits, V, 1, this.P + this.offsets.get('linear.weight')! * 4, H, N, H, V, 0);
    s.backward(this.tok);
    return lossSum;
  }

  private finalState(): RecurrentState & Carried {
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

  private writeParams(dict: StateDict): void {
    this.writeDict(this.P, dict);
    this.transposesStale = true;
  }

  private writeDict(base: number, dict: StateDict): void {
    for (const [name] of this.shapes) {
      const t = dict[name];
      this.arena.f32(base + this.offsets.get(name)! * 4, t.data.length).set(t.data);
    }
  }

  private readDict(base: number): StateDict {
    const out: StateDict = {};
    for (const [name, shape] of this.shapes) {
      const n = shape.reduce((x, y) => x * y, 1);
      out[name] = { shape: [...shape], data: this.arena.f32(base + this.offsets.get(name)! * 4, n).slice() };
    }
    return out;
  }
}

/** dst[t*B + b] = src[b*T + t]: (batch, steps) tokens to the time-major rows the kernels use. */
function writeTimeMajor(dst: Int32Array, src: Int32Array, B: number, T: number): void {
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) dst[t * B + b] = src[b * T + t];
}
