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
import { panelElements } from './kernels.js';
import type { Kernels } from './parallel.js';
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

export class TrainableStack extends RecurrentStack<Kernels> {
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
    k: Kernels,
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

  /** Layer l's whole time loop as one recurrence kernel, split by batch rows over the threads (parallel.ts). */
  protected override recur(l: number, w: LayerWeights): void {
    const k = this.k;
    const { hidden: H, cell } = this.spec;
    const B = this.batch;
    const T = this.steps;
    const buf = this.buf[l];
    const work = B * T * this.G * H * H;
    if (cell === 'lstm') {
      k.recurrence(
        'lstmForwardSeq',
        [this.xp, this.hp, buf.act, buf.hs, buf.cs, w.whhT, w.whhW, w.bih, w.bhh, B, T, H],
        B,
        work,
      );
    } else if (cell === 'gru') {
      k.recurrence(
        'gruForwardSeq',
        [this.xp, this.hp, buf.act, buf.hs, w.whhT, w.whhW, w.bih, w.bhh, B, T, H],
        B,
        work,
      );
    } else {
      const relu = this.spec.relu ? 1 : 0;
      k.recurrence('rnnForwardSeq', [this.xp, this.hp, buf.hs, w.whhT, w.whhW, w.bih, w.bhh, B, T, H, relu], B, work);
    }
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
          [this.dgx, this.dc, dOut, dA, dB, buf.act, buf.cs, g.whhP, B, T, H, stateGrad],
          B,
          work,
        );
      } else if (cell === 'gru') {
        k.recurrence(
          'gruBackwardSeq',
          [this.dgx, this.dgh, dOut, dA, dB, buf.act, buf.hs, g.whhP, B, T, H, stateGrad],
          B,
          work,
        );
      } else {
        k.recurrence('rnnBackwardSeq', [this.dgx, dOut, dA, dB, buf.hs, g.whhP, B, T, H, relu, stateGrad], B, work);
      }
      // The loop swaps the two after every step: dL/dh_0 ends in dhA after an even number of steps.
      const dhRec = T % 2 === 0 ? this.dhA : this.dhB;
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
