/**
 * The recurrent stack on the CPU backend, forward: L layers of one cell over T steps for a batch of B,
 * orchestrating the kernels of assembly/nn/ (forward.ts has them all). The layer-0 input is either token
 * ids (the one-hot projection becomes a row gather of W_ih^T) or a dense (T, B, I) tensor.
 * TrainableStack (trainable-stack.ts) adds dropout and backward through time.
 *
 * Activation arena per batch shape (time-major rows t*B + b; G = gates, GH = G*H):
 *   xp   (T*B, GH)        input projection of the current layer, all steps at once
 *   hp   (B, GH)          h_{t-1} . W_hh^T of the current step
 *   act  (L)(T*B, S)      post-activations: LSTM [i,f,g,o,tanh c] S=5H, GRU [r,z,n,hn] S=4H, RNN none;
 *                         only backward reads them, so a forward-only stack keeps one step's (B, S)
 *   hs   (L)(T+1, B, H)   h_0 .. h_T per layer (row block 0 is the initial state)
 *   cs   (L)(T+1, B, H)   c_0 .. c_T (LSTM)
 */
import type { Arena } from './arena.js';
import { panelElements, wideElements, type ForwardKernels } from './kernels.js';
import { gateCount } from '../../model/params.js';
import type { CellType } from '../../model/types.js';

/** Byte offsets of one layer's parameters (PyTorch layout) and the transposed copies forward reads. */
export interface LayerWeights {
  inSize: number;
  wih: number; // (GH, in)
  whh: number; // (GH, H)
  bih: number; // (GH)
  bhh: number; // (GH)
  /** W_ih^T (in, GH) refreshed from wih: row-major for a token input (rows are gathered), else panels. */
  wihT: number;
  whhT: number; // W_hh^T (H, GH) in panel layout, refreshed from whh
  /**
   * W^T in wide panels (packWideT) for products with fewer than 4 rows (batch-1 generation), which
   * gemmWide streams faster than gemv streams row-major W^T; wihW is 0 for a token input (rows of wihT
   * are gathered).
   */
  wihW: number;
  whhW: number;
}

export interface StackSpec {
  cell: CellType;
  relu: boolean;
  layers: number;
  hidden: number;
  /** Layer-0 input: token ids over `inSize` classes, or dense vectors of `inSize`. */
  tokens: boolean;
  inSize: number;
  dropout: number;
  seed: number;
}

export interface LayerBuffers {
  act: number;
  hs: number;
  cs: number;
}

/**
 * The kernels the stack and the engines call: a module's raw ForwardKernels, or parallel.ts Kernels, which
 * split them over a worker pool.
 */
export type StackKernels = Pick<
  ForwardKernels,
  | 'gemm'
  | 'gemmPrepacked'
  | 'gemmWide'
  | 'packPanelsT'
  | 'packWideT'
  | 'transpose'
  | 'gatherRows'
  | 'addRowBias'
  | 'lstmForward'
  | 'gruForward'
  | 'rnnForward'
>;

export class RecurrentStack<K extends StackKernels = ForwardKernels> {
  readonly G: number;
  protected readonly S: number;
  batch = 0;
  steps = 0;
  protected xp = 0;
  protected hp = 0;
  protected buf: LayerBuffers[] = [];
  /** Whether act keeps every step (backward reads them) or only the current one. */
  protected keepActivations = false;

  constructor(
    protected readonly k: K,
    protected readonly arena: Arena,
    readonly spec: StackSpec,
    readonly weights: LayerWeights[],
  ) {
    this.G = gateCount(spec.cell);
    this.S = spec.cell === 'lstm' ? 5 * spec.hidden : spec.cell === 'gru' ? 4 * spec.hidden : 0;
  }

  /** Lays out the activation buffers for (batch, steps) above the arena's current top. */
  layout(batch: number, steps: number): void {
    const { layers: L, hidden: H, cell } = this.spec;
    const a = this.arena;
    const GH = this.G * H;
    this.batch = batch;
    this.steps = steps;
    this.xp = a.alloc(batch * steps * GH);
    this.hp = a.alloc(batch * GH);
    this.buf = [];
    for (let l = 0; l < L; l++) {
      this.buf.push({
        act: a.alloc((this.keepActivations ? steps : 1) * batch * this.S),
        hs: a.alloc((steps + 1) * batch * H),
        cs: cell === 'lstm' ? a.alloc((steps + 1) * batch * H) : 0,
      });
    }
  }

  /** Elements of each layer's wihT, whhT, wihW and whhW buffers (0: not needed). */
  static copySizes(tokens: boolean, l: number, inSize: number, G: number, H: number): number[] {
    const gather = tokens && l === 0;
    return [
      gather ? inSize * G * H : panelElements(inSize, G * H),
      panelElements(H, G * H),
      gather ? 0 : wideElements(inSize, G * H),
      wideElements(H, G * H),
    ];
  }

  /** Allocates one layer's parameter copies (see copySizes) in `arena`. */
  static allocCopies(
    arena: Arena,
    tokens: boolean,
    l: number,
    inSize: number,
    G: number,
    H: number,
  ): Pick<LayerWeights, 'wihT' | 'whhT' | 'wihW' | 'whhW'> {
    const [wihT, whhT, wihW, whhW] = RecurrentStack.copySizes(tokens, l, inSize, G, H).map((n) =>
      n ? arena.alloc(n) : 0,
    );
    return { wihT, whhT, wihW, whhW };
  }

  /** The wide-panel copies are refreshed only when a product with fewer than 4 rows needs them. */
  private wideStale = true;

  /**
   * Recomputes the panel copies of W^T after the parameters changed. A copy at 0 does not exist (the
   * int8 engine's stack keeps none): it is skipped, here and in refreshWide.
   */
  refreshTransposes(): void {
    const GH = this.G * this.spec.hidden;
    this.weights.forEach((w, l) => {
      if (w.wihT !== 0 && l === 0 && this.spec.tokens) this.k.transpose(w.wihT, w.wih, GH, w.inSize);
      else if (w.wihT !== 0) this.k.packPanelsT(w.wihT, w.wih, GH, w.inSize);
      if (w.whhT !== 0) this.k.packPanelsT(w.whhT, w.whh, GH, this.spec.hidden);
    });
    this.wideStale = true;
  }

  private refreshWide(): void {
    const GH = this.G * this.spec.hidden;
    for (const w of this.weights) {
      if (w.wihW !== 0) this.k.packWideT(w.wihW, w.wih, GH, w.inSize);
      if (w.whhW !== 0) this.k.packWideT(w.whhW, w.whh, GH, this.spec.hidden);
    }
    this.wideStale = false;
  }

  /** Pointer to h_t (B, H) of layer l, t in [0, T]; t = 0 is the initial state. */
  h(l: number, t: number): number {
    return this.buf[l].hs + t * this.batch * this.spec.hidden * 4;
  }

  c(l: number, t: number): number {
    return this.buf[l].cs + t * this.batch * this.spec.hidden * 4;
  }

  /** Post-activations of layer l at step t (B, S). */
  protected act(l: number, t: number): number {
    return this.buf[l].act + (this.keepActivations ? t * this.batch * this.S * 4 : 0);
  }

  /** Top layer outputs h_1..h_T as one (T*B, H) matrix. */
  output(): number {
    return this.h(this.spec.layers - 1, 1);
  }

  /**
   * Forward over all steps from the initial states already in h(l, 0) / c(l, 0). `input` points to
   * (T*B) token ids or a dense (T*B, I) matrix.
   */
  forward(input: number): void {
    const TB = this.batch * this.steps;
    if (this.batch < 4 && this.wideStale) this.refreshWide();
    for (let l = 0; l < this.spec.layers; l++) {
      const w = this.weights[l];
      this.projectInput(l, w, this.layerInput(l, input), TB);
      this.recur(l, w);
      this.layerDone(l);
    }
  }

  /** xp (TB, GH) = layer l's input x . W_ih^T: a row gather for token ids, else a product. */
  protected projectInput(l: number, w: LayerWeights, x: number, TB: number): void {
    const GH = this.G * this.spec.hidden;
    if (l === 0 && this.spec.tokens) this.k.gatherRows(this.xp, w.wihT, x, TB, GH);
    else if (TB < 4) this.k.gemmWide(this.xp, GH, x, w.inSize, 1, w.wihW, TB, GH, w.inSize, 0);
    else this.k.gemmPrepacked(this.xp, GH, x, w.inSize, 1, w.wihT, TB, GH, w.inSize, 0);
  }

  /** hp (B, GH) = h_{t-1} . W_hh^T for one step. */
  protected projectRecurrent(_l: number, w: LayerWeights, hPrev: number): void {
    const H = this.spec.hidden;
    const B = this.batch;
    const GH = this.G * H;
    if (B < 4) this.k.gemmWide(this.hp, GH, hPrev, H, 1, w.whhW, B, GH, H, 0);
    else this.k.gemmPrepacked(this.hp, GH, hPrev, H, 1, w.whhT, B, GH, H, 0);
  }

  /**
   * Layer l's time loop over the input projection in xp, step by step; TrainableStack runs it as one
   * recurrence kernel that its threads split by batch rows (the same bits: assembly/nn/recurrence.ts).
   */
  protected recur(l: number, w: LayerWeights): void {
    const k = this.k;
    const { hidden: H, cell } = this.spec;
    const B = this.batch;
    const T = this.steps;
    const GH = this.G * H;
    const relu = this.spec.relu ? 1 : 0;
    for (let t = 0; t < T; t++) {
      const hPrev = this.h(l, t);
      const xp = this.xp + t * B * GH * 4;
      this.projectRecurrent(l, w, hPrev);
      if (cell === 'lstm') {
        k.lstmForward(
          this.act(l, t),
          this.h(l, t + 1),
          this.c(l, t + 1),
          xp,
          this.hp,
          w.bih,
          w.bhh,
          this.c(l, t),
          B,
          H,
        );
      } else if (cell === 'gru') {
        k.gruForward(this.act(l, t), this.h(l, t + 1), xp, this.hp, w.bih, w.bhh, hPrev, B, H);
      } else {
        k.rnnForward(this.h(l, t + 1), xp, this.hp, w.bih, w.bhh, B, H, relu);
      }
    }
  }

  /** What layer l reads: the input, or the layer below's outputs (TrainableStack: after dropout). */
  protected layerInput(l: number, input: number): number {
    return l === 0 ? input : this.h(l - 1, 1);
  }

  /** Called after layer l ran over every step (TrainableStack: dropout on its outputs). */
  protected layerDone(_l: number): void {}
}
