/**
 * The recurrent stack on the CPU backend: L layers of one cell over T steps for a batch of B, forward
 * and backward through time, orchestrating the kernels of assembly/nn/. The layer-0 input is either token
 * ids (the one-hot projection becomes a row gather of W_ih^T) or a dense (T, B, I) tensor.
 *
 * Activation arena per batch shape (time-major rows t*B + b; G = gates, GH = G*H):
 *   xp   (T*B, GH)        input projection of the current layer, all steps at once
 *   hp   (B, GH)          h_{t-1} . W_hh^T of the current step
 *   act  (L)(T*B, S)      saved post-activations: LSTM [i,f,g,o,tanh c] S=5H, GRU [r,z,n,hn] S=4H, RNN none
 *   hs   (L)(T+1, B, H)   h_0 .. h_T per layer (row block 0 is the initial state)
 *   cs   (L)(T+1, B, H)   c_0 .. c_T (LSTM)
 *   mask, drop (L-1)(T*B, H)  dropout multipliers and the dropped outputs fed to the next layer
 *   dgx, dgh (T*B, GH)    gradients w.r.t. the input-side / recurrent pre-activations (the same buffer
 *                         unless GRU); dA, dB (T*B, max(H, I)) ping-pong layer-output gradients
 */
import type { Arena } from './arena.js';
import { panelElements } from './kernels.js';
import type { Kernels } from './parallel.js';
import { gateCount } from '../../model/params.js';
import type { CellType } from '../../model/types.js';

/** Byte offsets of one layer's parameters (PyTorch layout), their gradients and transposed copies. */
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
   * Row-major W^T copies for products with fewer than 4 rows (batch-1 generation), which stream whole
   * rows of B faster than panels; wihR is 0 for a token input (wihT is row-major already).
   */
  wihR: number;
  whhR: number;
  /** W_ih (GH, in) and W_hh (GH, H) themselves in panel layout, the B of the backward products dG.W. */
  wihP: number;
  whhP: number;
  gwih: number;
  gwhh: number;
  gbih: number;
  gbhh: number;
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

interface LayerBuffers {
  act: number;
  hs: number;
  cs: number;
  mask: number;
  drop: number;
}

export class RecurrentStack {
  readonly G: number;
  private readonly S: number;
  batch = 0;
  steps = 0;
  private xp = 0;
  private hp = 0;
  private buf: LayerBuffers[] = [];
  private dgx = 0;
  private dgh = 0;
  /** Layer-output gradient buffers; the caller writes d(top output) into dA before backward(). */
  dA = 0;
  private dB = 0;
  private dhA = 0;
  private dhB = 0;
  private dc = 0;
  private dw0t = 0;
  /** (L, B, H) gradients w.r.t. the initial h and c, written by backward() when asked. */
  dh0 = 0;
  dc0 = 0;
  private dropped = false;

  constructor(
    private readonly k: Kernels,
    private readonly arena: Arena,
    readonly spec: StackSpec,
    readonly weights: LayerWeights[],
  ) {
    this.G = gateCount(spec.cell);
    this.S = spec.cell === 'lstm' ? 5 * spec.hidden : spec.cell === 'gru' ? 4 * spec.hidden : 0;
  }

  /** Lays out the activation buffers for (batch, steps) above the arena's current top. */
  layout(batch: number, steps: number): void {
    const { layers: L, hidden: H, inSize, dropout, cell, tokens } = this.spec;
    const a = this.arena;
    const TB = batch * steps;
    const GH = this.G * H;
    this.batch = batch;
    this.steps = steps;
    this.xp = a.alloc(TB * GH);
    this.hp = a.alloc(batch * GH);
    this.buf = [];
    for (let l = 0; l < L; l++) {
      const hasDrop = dropout > 0 && l < L - 1;
      this.buf.push({
        act: a.alloc(TB * this.S),
        hs: a.alloc((steps + 1) * batch * H),
        cs: cell === 'lstm' ? a.alloc((steps + 1) * batch * H) : 0,
        mask: hasDrop ? a.alloc(TB * H) : 0,
        drop: hasDrop ? a.alloc(TB * H) : 0,
      });
    }
    this.dgx = a.alloc(TB * GH);
    this.dgh = cell === 'gru' ? a.alloc(TB * GH) : this.dgx;
    const width = tokens ? H : Math.max(H, inSize);
    this.dA = a.alloc(TB * width);
    this.dB = a.alloc(TB * width);
    this.dhA = a.alloc(batch * H);
    this.dhB = a.alloc(batch * H);
    this.dc = a.alloc(batch * H);
    this.dw0t = tokens ? a.alloc(inSize * GH) : 0;
    this.dh0 = a.alloc(L * batch * H);
    this.dc0 = a.alloc(L * batch * H);
  }

  /** Elements of each layer's wihT, whhT, wihR, whhR, wihP and whhP buffers (0: not needed). */
  static copySizes(tokens: boolean, l: number, inSize: number, G: number, H: number): number[] {
    const gather = tokens && l === 0;
    return [
      gather ? inSize * G * H : panelElements(inSize, G * H),
      panelElements(H, G * H),
      gather ? 0 : inSize * G * H,
      H * G * H,
      gather ? 0 : panelElements(G * H, inSize),
      panelElements(G * H, H),
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
  ): Pick<LayerWeights, 'wihT' | 'whhT' | 'wihR' | 'whhR' | 'wihP' | 'whhP'> {
    const [wihT, whhT, wihR, whhR, wihP, whhP] = RecurrentStack.copySizes(tokens, l, inSize, G, H).map((n) =>
      n ? arena.alloc(n) : 0,
    );
    return { wihT, whhT, wihR, whhR, wihP, whhP };
  }

  /** Row-major W^T copies are refreshed only when a product with fewer than 4 rows needs them. */
  private rowMajorStale = true;

  /** Recomputes the panel copies of W (W^T for forward, W for backward) after the parameters changed. */
  refreshTransposes(): void {
    const GH = this.G * this.spec.hidden;
    this.weights.forEach((w, l) => {
      if (l === 0 && this.spec.tokens) {
        this.k.transpose(w.wihT, w.wih, GH, w.inSize);
      } else {
        this.k.packPanelsT(w.wihT, w.wih, GH, w.inSize);
        this.k.packPanels(w.wihP, w.wih, GH, w.inSize);
      }
      this.k.packPanelsT(w.whhT, w.whh, GH, this.spec.hidden);
      this.k.packPanels(w.whhP, w.whh, GH, this.spec.hidden);
    });
    this.rowMajorStale = true;
  }

  private refreshRowMajor(): void {
    const GH = this.G * this.spec.hidden;
    this.weights.forEach((w, l) => {
      if (!(l === 0 && this.spec.tokens)) this.k.transpose(w.wihR, w.wih, GH, w.inSize);
      this.k.transpose(w.whhR, w.whh, GH, this.spec.hidden);
    });
    this.rowMajorStale = false;
  }

  /** Pointer to h_t (B, H) of layer l, t in [0, T]; t = 0 is the initial state. */
  h(l: number, t: number): number {
    return this.buf[l].hs + t * this.batch * this.spec.hidden * 4;
  }

  c(l: number, t: number): number {
    return this.buf[l].cs + t * this.batch * this.spec.hidden * 4;
  }

  /** Top layer outputs h_1..h_T as one (T*B, H) matrix. */
  output(): number {
    return this.h(this.spec.layers - 1, 1);
  }

  /**
   * Forward over all steps from the initial states already in h(l, 0) / c(l, 0). `input` points to
   * (T*B) token ids or a dense (T*B, I) matrix. Dropout applies only when `training`, with masks from
   * dropoutUniform(seed, step, layer, index).
   */
  forward(input: number, training: boolean, step: number): void {
    const k = this.k;
    const { layers: L, hidden: H, cell, dropout } = this.spec;
    const B = this.batch;
    const T = this.steps;
    const TB = B * T;
    const GH = this.G * H;
    const relu = this.spec.relu ? 1 : 0;
    this.dropped = training && dropout > 0;
    if (B < 4 && this.rowMajorStale) this.refreshRowMajor();
    for (let l = 0; l < L; l++) {
      const w = this.weights[l];
      const buf = this.buf[l];
      const x = this.layerInput(l, input);
      if (l === 0 && this.spec.tokens) k.gatherRows(this.xp, w.wihT, x, TB, GH);
      else if (TB < 4) k.gemm(this.xp, GH, x, w.inSize, 1, w.wihR, GH, TB, GH, w.inSize, 0);
      else k.gemmPrepacked(this.xp, GH, x, w.inSize, 1, w.wihT, TB, GH, w.inSize, 0);
      const work = TB * GH * H;
      if (cell === 'lstm') {
        k.recurrence(
          'lstmForwardSeq',
          [this.xp, this.hp, buf.act, buf.hs, buf.cs, w.whhT, w.whhR, w.bih, w.bhh, B, T, H],
          B,
          work,
        );
      } else if (cell === 'gru') {
        k.recurrence(
          'gruForwardSeq',
          [this.xp, this.hp, buf.act, buf.hs, w.whhT, w.whhR, w.bih, w.bhh, B, T, H],
          B,
          work,
        );
      } else {
        k.recurrence('rnnForwardSeq', [this.xp, this.hp, buf.hs, w.whhT, w.whhR, w.bih, w.bhh, B, T, H, relu], B, work);
      }
      if (this.dropped && l < L - 1) {
        const p = dropout;
        k.dropoutMask(buf.mask, this.spec.seed, step, l, TB * H, p, Math.fround(1 / (1 - p)));
        k.mulInto(buf.drop, this.h(l, 1), buf.mask, TB * H);
      }
    }
  }

  private layerInput(l: number, input: number): number {
    if (l === 0) return input;
    return this.dropped && this.buf[l - 1].drop !== 0 ? this.buf[l - 1].drop : this.h(l - 1, 1);
  }

  /**
   * Backward through time from d(top outputs) in dA (T*B, H); writes every weight gradient. `dhn`/`dcn`
   * point to (L, B, H) gradients w.r.t. the final states (0: none). With `stateGrad` the initial-state
   * gradients go to dh0/dc0; with `inputGrad` (dense input only) d(input) (T*B, I) is left at the
   * returned pointer.
   */
  backward(input: number, opts: { dhn?: number; dcn?: number; stateGrad?: boolean; inputGrad?: boolean } = {}): number {
    const k = this.k;
    const a = this.arena;
    const { layers: L, hidden: H, cell } = this.spec;
    const B = this.batch;
    const T = this.steps;
    const TB = B * T;
    const GH = this.G * H;
    const BH = B * H;
    const relu = this.spec.relu ? 1 : 0;
    let dOut = this.dA;
    for (let l = L - 1; l >= 0; l--) {
      const w = this.weights[l];
      const buf = this.buf[l];
      if (opts.dhn) a.copy(this.dhA, opts.dhn + l * BH * 4, BH);
      else a.zero(this.dhA, BH);
      if (cell === 'lstm') {
        if (opts.dcn) a.copy(this.dc, opts.dcn + l * BH * 4, BH);
        else a.zero(this.dc, BH);
      }
      const stateGrad = opts.stateGrad ? 1 : 0;
      const [dA, dB, work] = [this.dhA, this.dhB, TB * GH * H];
      if (cell === 'lstm') {
        k.recurrence(
          'lstmBackwardSeq',
          [this.dgx, this.dc, dOut, dA, dB, buf.act, buf.cs, w.whhP, B, T, H, stateGrad],
          B,
          work,
        );
      } else if (cell === 'gru') {
        k.recurrence(
          'gruBackwardSeq',
          [this.dgx, this.dgh, dOut, dA, dB, buf.act, buf.hs, w.whhP, B, T, H, stateGrad],
          B,
          work,
        );
      } else {
        k.recurrence('rnnBackwardSeq', [this.dgx, dOut, dA, dB, buf.hs, w.whhP, B, T, H, relu, stateGrad], B, work);
      }
      // The loop swaps the two after every step: dL/dh_0 ends in dhA after an even number of steps.
      const dhRec = T % 2 === 0 ? this.dhA : this.dhB;
      if (opts.stateGrad) {
        a.copy(this.dh0 + l * BH * 4, dhRec, BH);
        if (cell === 'lstm') a.copy(this.dc0 + l * BH * 4, this.dc, BH);
      }
      // Weight gradients over all steps at once: dW_hh = dGh^T . [h_0 .. h_{T-1}], dW_ih = dGx^T . X.
      k.gemm(w.gwhh, H, this.dgh, 1, GH, this.h(l, 0), H, GH, H, TB, 0);
      k.colSum(w.gbhh, this.dgh, TB, GH, 0);
      k.colSum(w.gbih, this.dgx, TB, GH, 0);
      const x = this.layerInput(l, input);
      if (l === 0 && this.spec.tokens) {
        a.zero(this.dw0t, w.inSize * GH);
        k.scatterAddRows(this.dw0t, this.dgx, x, TB, GH);
        k.transpose(w.gwih, this.dw0t, w.inSize, GH);
      } else {
        k.gemm(w.gwih, w.inSize, this.dgx, 1, GH, x, w.inSize, GH, w.inSize, TB, 0);
      }
      if (l > 0 || (opts.inputGrad === true && !this.spec.tokens)) {
        const dX = dOut === this.dA ? this.dB : this.dA;
        k.gemmPrepacked(dX, w.inSize, this.dgx, GH, 1, w.wihP, TB, w.inSize, GH, 0);
        if (l > 0 && this.dropped && this.buf[l - 1].mask !== 0) k.mulInto(dX, dX, this.buf[l - 1].mask, TB * H);
        dOut = dX;
      }
    }
    return dOut;
  }
}
