// One layer's time loop, forward or backward, for batch rows [b0, b1): per step the recurrent product of
// those rows, then the cell on those rows. A batch row's sequence never mixes with another's (h_t[b]
// depends on h_{t-1}[b] alone, and dL/dh_{t-1}[b] on dgates_t[b] alone), so threads split a layer's whole
// recurrence by rows with no barrier between steps, and each row gets the bits of the whole-batch run: the
// GEMM is chosen by the whole batch (gemmRows) and the cells are elementwise.
//
// Layout (time-major, as src/backends/wasm/stack.ts lays it out; G = gates, GH = G*H):
//   xp (T*B, GH) input projection; hp (B, GH) scratch for h_{t-1}.W_hh^T; hs, cs (T+1, B, H) with row
//   block 0 the initial state; act (T*B, S) saved activations (LSTM S = 5H, GRU S = 4H).
//   whhT: W_hh^T in panels (B >= 4), whhW: W_hh^T in wide panels (B < 4, batch-1 generation); whhP: W_hh
//   in panels.
//   Backward: dgx, dgh (T*B, GH) (the same buffer unless GRU), dOut (T*B, H) from above, dhA/dhB (B, H)
//   ping-pong dL/dh carried between steps (dhA holds the one into step T-1), dc (B, H) for LSTM.
import { gemmPrepackedRows, gemmWideRows } from './gemm';
import { gruBackward, gruForward } from './gru';
import { lstmBackward, lstmForward } from './lstm';
import { rnnBackward, rnnForward } from './rnn';

const MR: i32 = 4;

// @ts-ignore: decorator
@inline
function at(base: usize, row: i32, width: i32): usize {
  return base + ((<usize>row * <usize>width) << 2);
}

/** hp rows [b0, b1) = h rows [b0, b1) . W_hh^T. */
// @ts-ignore: decorator
@inline
function recurrentProduct(hp: usize, h: usize, whhT: usize, whhW: usize, B: i32, H: i32, GH: i32, b0: i32,
  b1: i32): void {
  if (B < MR) gemmWideRows(hp, GH, h, H, 1, whhW, B, GH, H, 0, b0, b1);
  else gemmPrepackedRows(hp, GH, h, H, 1, whhT, B, GH, H, 0, b0, b1);
}

export function lstmForwardSeq(xp: usize, hp: usize, act: usize, hs: usize, cs: usize, whhT: usize, whhW: usize,
  bih: usize, bhh: usize, B: i32, T: i32, H: i32, b0: i32, b1: i32): void {
  const GH = 4 * H;
  for (let t = 0; t < T; t++) {
    const r = t * B + b0;
    recurrentProduct(hp, at(hs, t * B, H), whhT, whhW, B, H, GH, b0, b1);
    lstmForward(at(act, r, 5 * H), at(hs, r + B, H), at(cs, r + B, H), at(xp, r, GH), at(hp, b0, GH), bih, bhh,
      at(cs, r, H), b1 - b0, H);
  }
}

export function gruForwardSeq(xp: usize, hp: usize, act: usize, hs: usize, whhT: usize, whhW: usize, bih: usize,
  bhh: usize, B: i32, T: i32, H: i32, b0: i32, b1: i32): void {
  const GH = 3 * H;
  for (let t = 0; t < T; t++) {
    const r = t * B + b0;
    recurrentProduct(hp, at(hs, t * B, H), whhT, whhW, B, H, GH, b0, b1);
    gruForward(at(act, r, 4 * H), at(hs, r + B, H), at(xp, r, GH), at(hp, b0, GH), bih, bhh, at(hs, r, H), b1 - b0, H);
  }
}

export function rnnForwardSeq(xp: usize, hp: usize, hs: usize, whhT: usize, whhW: usize, bih: usize, bhh: usize,
  B: i32, T: i32, H: i32, relu: i32, b0: i32, b1: i32): void {
  for (let t = 0; t < T; t++) {
    const r = t * B + b0;
    recurrentProduct(hp, at(hs, t * B, H), whhT, whhW, B, H, H, b0, b1);
    rnnForward(at(hs, r + B, H), at(xp, r, H), at(hp, b0, H), bih, bhh, b1 - b0, H, relu);
  }
}

/**
 * dL/dh_{t-1} rows [b0, b1) = dgh_t rows . W_hh (accumulated onto what the cell wrote when `acc`). Not
 * needed at t = 0 unless the initial state's gradient is (stateGrad).
 */
// @ts-ignore: decorator
@inline
function recurrentGrad(dhNew: usize, dgh: usize, whhP: usize, B: i32, H: i32, GH: i32, acc: i32, b0: i32,
  b1: i32): void {
  gemmPrepackedRows(dhNew, H, dgh, GH, 1, whhP, B, H, GH, acc, b0, b1);
}

export function lstmBackwardSeq(dgx: usize, dc: usize, dOut: usize, dhA: usize, dhB: usize, act: usize, cs: usize,
  whhP: usize, B: i32, T: i32, H: i32, stateGrad: i32, b0: i32, b1: i32): void {
  const GH = 4 * H;
  let dhRec = dhA;
  let dhNew = dhB;
  for (let t = T - 1; t >= 0; t--) {
    const r = t * B + b0;
    lstmBackward(at(dgx, r, GH), at(dc, b0, H), at(dOut, r, H), at(dhRec, b0, H), at(act, r, 5 * H), at(cs, r, H),
      b1 - b0, H);
    if (t > 0 || stateGrad != 0) recurrentGrad(dhNew, at(dgx, t * B, GH), whhP, B, H, GH, 0, b0, b1);
    const swap = dhRec;
    dhRec = dhNew;
    dhNew = swap;
  }
}

export function gruBackwardSeq(dgx: usize, dgh: usize, dOut: usize, dhA: usize, dhB: usize, act: usize, hs: usize,
  whhP: usize, B: i32, T: i32, H: i32, stateGrad: i32, b0: i32, b1: i32): void {
  const GH = 3 * H;
  let dhRec = dhA;
  let dhNew = dhB;
  for (let t = T - 1; t >= 0; t--) {
    const r = t * B + b0;
    gruBackward(at(dgx, r, GH), at(dgh, r, GH), at(dhNew, b0, H), at(dOut, r, H), at(dhRec, b0, H),
      at(act, r, 4 * H), at(hs, r, H), b1 - b0, H);
    if (t > 0 || stateGrad != 0) recurrentGrad(dhNew, at(dgh, t * B, GH), whhP, B, H, GH, 1, b0, b1);
    const swap = dhRec;
    dhRec = dhNew;
    dhNew = swap;
  }
}

export function rnnBackwardSeq(dgx: usize, dOut: usize, dhA: usize, dhB: usize, hs: usize, whhP: usize, B: i32,
  T: i32, H: i32, relu: i32, stateGrad: i32, b0: i32, b1: i32): void {
  let dhRec = dhA;
  let dhNew = dhB;
  for (let t = T - 1; t >= 0; t--) {
    const r = t * B + b0;
    rnnBackward(at(dgx, r, H), at(dOut, r, H), at(dhRec, b0, H), at(hs, r + B, H), b1 - b0, H, relu);
    if (t > 0 || stateGrad != 0) recurrentGrad(dhNew, at(dgx, t * B, H), whhP, B, H, H, 0, b0, b1);
    const swap = dhRec;
    dhRec = dhNew;
    dhNew = swap;
  }
}
