/**
 * The recurrent stack for training: RecurrentStack's forward (stack.ts) with dropout between layers,
 * and backward through time, on the full kernel builds (assembly/nn/index.ts).
 *
 * Besides RecurrentStack's buffers (act now keeps every step), per batch shape:
 *   mask, drop (L-1)(T*B, H)  dropout multipliers and the dropped outputs fed to the next layer
 *   dgx, dgh (T*B, GH)    gradients w.r.t. the input-side / recurrent pre-activations (the same buffer
 *                         unless GRU); dA, dB (T*B, max(H, I)) ping-pong layer-output gradients
 */
import type { Arena } from './arena.js';
import { panelElements, type NnKernels } from './kernels.js';
import { RecurrentStack, type LayerWeights, type StackSpec } from './stack.js';

/** Byte offsets of one layer's gradients and of the copies of W that backward reads. */
export interface LayerGrads {
  /** W_ih (GH, in) and W_hh (GH, H) themselves in panel layout, the B of the backward products dG.W. */
  wihP: number;
  whhP: number;
  gwih: number;
  gwhh: number;
  gbih: number;
  gbhh: number;
}

export class TrainableStack extends RecurrentStack<NnKernels> {
  /** The optimizer step whose dropout masks the next forward applies; null: no dropout (evaluation). */
  dropoutStep: number | null = null;
  private masks: Array<{ mask: number; drop: number }> = [];
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
    k: NnKernels,
    arena: Arena,
    spec: StackSpec,
    weights: LayerWeights[],
    readonly grads: LayerGrads[],
  ) {
    super(k, arena, spec, weights);
    this.keepActivations = true;
  }

  /** Allocates one layer's copies of W for backward (wihP is 0 for a token input: its gradient is a scatter). */
  static allocBackwardCopies(
    arena: Arena,
    tokens: boolean,
    l: number,
    inSize: number,
    G: number,
    H: number,
  ): Pick<LayerGrads, 'wihP' | 'whhP'> {
    const gather = tokens && l === 0;
    return {
      wihP: gather ? 0 : arena.alloc(panelElements(G * H, inSize)),
      whhP: arena.alloc(panelElements(G * H, H)),
    };
  }

  override layout(batch: number, steps: number): void {
    super.layout(batch, steps);
    const { layers: L, hidden: H, inSize, dropout, cell, tokens } = this.spec;
    const a = this.arena;
    const TB = batch * steps;
    const GH = this.G * H;
    this.masks = [];
    for (let l = 0; l < L - 1; l++) {
      const hasDrop = dropout > 0;
      this.masks.push({ mask: hasDrop ? a.alloc(TB * H) : 0, drop: hasDrop ? a.alloc(TB * H) : 0 });
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

  /** Also the panel copies of W itself, which backward reads. */
  override refreshTransposes(): void {
    super.refreshTransposes();
    const GH = this.G * this.spec.hidden;
    this.weights.forEach((w, l) => {
      const g = this.grads[l];
      if (g.wihP !== 0) this.k.packPanels(g.wihP, w.wih, GH, w.inSize);
      this.k.packPanels(g.whhP, w.whh, GH, this.spec.hidden);
    });
  }

  /**
   * Forward with dropout masks dropoutUniform(seed, dropoutStep, layer, index) on the outputs of every
   * layer but the last, when dropoutStep is set and the model has dropout.
   */
  override forward(input: number): void {
    this.dropped = this.dropoutStep !== null && this.spec.dropout > 0;
    super.forward(input);
  }

  protected override layerInput(l: number, input: number): number {
    if (l === 0) return input;
    return this.dropped ? this.masks[l - 1].drop : this.h(l - 1, 1);
  }

  protected override layerDone(l: number): void {
    if (!this.dropped || l === this.spec.layers - 1) return;
    const n = this.batch * this.steps * this.spec.hidden;
    const p = this.spec.dropout;
    const { mask, drop } = this.masks[l];
    this.k.dropoutMask(mask, this.spec.seed, this.dropoutStep!, l, n, p, Math.fround(1 / (1 - p)));
    this.k.mulInto(drop, this.h(l, 1), mask, n);
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
      const g = this.grads[l];
      let dhRec = this.dhA;
      let dhNew = this.dhB;
      if (opts.dhn) a.copy(dhRec, opts.dhn + l * BH * 4, BH);
      else a.zero(dhRec, BH);
      if (cell === 'lstm') {
        if (opts.dcn) a.copy(this.dc, opts.dcn + l * BH * 4, BH);
        else a.zero(this.dc, BH);
      }
      for (let t = T - 1; t >= 0; t--) {
        const dgx = this.dgx + t * B * GH * 4;
        const dgh = this.dgh + t * B * GH * 4;
        const dOutT = dOut + t * BH * 4;
        const needPrev = t > 0 || opts.stateGrad === true;
        if (cell === 'lstm') {
          k.lstmBackward(dgx, this.dc, dOutT, dhRec, this.act(l, t), this.c(l, t), B, H);
          if (needPrev) k.gemmPrepacked(dhNew, H, dgh, GH, 1, g.whhP, B, H, GH, 0);
        } else if (cell === 'gru') {
          k.gruBackward(dgx, dgh, dhNew, dOutT, dhRec, this.act(l, t), this.h(l, t), B, H);
          if (needPrev) k.gemmPrepacked(dhNew, H, dgh, GH, 1, g.whhP, B, H, GH, 1);
        } else {
          k.rnnBackward(dgx, dOutT, dhRec, this.h(l, t + 1), B, H, relu);
          if (needPrev) k.gemmPrepacked(dhNew, H, dgh, GH, 1, g.whhP, B, H, GH, 0);
        }
        const swap = dhRec;
        dhRec = dhNew;
        dhNew = swap;
      }
      if (opts.stateGrad) {
        a.copy(this.dh0 + l * BH * 4, dhRec, BH);
        if (cell === 'lstm') a.copy(this.dc0 + l * BH * 4, this.dc, BH);
      }
      // Weight gradients over all steps at once: dW_hh = dGh^T . [h_0 .. h_{T-1}], dW_ih = dGx^T . X.
      k.gemm(g.gwhh, H, this.dgh, 1, GH, this.h(l, 0), H, GH, H, TB, 0);
      k.colSum(g.gbhh, this.dgh, TB, GH, 0);
      k.colSum(g.gbih, this.dgx, TB, GH, 0);
      const x = this.layerInput(l, input);
      if (l === 0 && this.spec.tokens) {
        a.zero(this.dw0t, w.inSize * GH);
        k.scatterAddRows(this.dw0t, this.dgx, x, TB, GH);
        k.transpose(g.gwih, this.dw0t, w.inSize, GH);
      } else {
        k.gemm(g.gwih, w.inSize, this.dgx, 1, GH, x, w.inSize, GH, w.inSize, TB, 0);
      }
      if (l > 0 || (opts.inputGrad === true && !this.spec.tokens)) {
        const dX = dOut === this.dA ? this.dB : this.dA;
        k.gemmPrepacked(dX, w.inSize, this.dgx, GH, 1, g.wihP, TB, w.inSize, GH, 0);
        if (l > 0 && this.dropped) k.mulInto(dX, dX, this.masks[l - 1].mask, TB * H);
        dOut = dX;
      }
    }
    return dOut;
  }
}
