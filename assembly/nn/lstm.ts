// LSTM, one time step for the whole batch, PyTorch gate order i, f, g, o:
//   i, f, o = sigmoid(.), g = tanh(.) of (xp + b_ih + hp + b_hh);  c' = f*c + i*g;  h' = o*tanh(c')
// xp (B, 4H) is the input projection of this step, hp (B, 4H) = h_prev . W_hh^T. The forward saves
// act (B, 5H) = [i, f, g, o, tanh(c')] post-activation; backward reads them instead of recomputing.
// Vectorized over 4 hidden units (see activations.ts for the 1-lane tail).
import { ld, sigmoid4, st, tanh4 } from './activations';

export function lstmForward(act: usize, h: usize, c: usize, xp: usize, hp: usize, bih: usize, bhh: usize,
  cPrev: usize, batch: i32, hidden: i32): void {
  const H = <usize>hidden;
  for (let b = 0; b < batch; b++) {
    const g = (<usize>b * 4 * H) << 2;
    const s = (<usize>b * H) << 2;
    const ab = act + ((<usize>b * 5 * H) << 2);
    let j: usize = 0;
    for (; j + 4 <= H; j += 4) lstmForwardUnits(ab, h + s, c + s, cPrev + s, xp + g, hp + g, bih, bhh, H, j << 2, true);
    for (; j < H; j++) lstmForwardUnits(ab, h + s, c + s, cPrev + s, xp + g, hp + g, bih, bhh, H, j << 2, false);
  }
}

// @ts-ignore: decorator
@inline
function lstmForwardUnits(ab: usize, h: usize, c: usize, cPrev: usize, xp: usize, hp: usize, bih: usize, bhh: usize,
  H: usize, o: usize, w: bool): void {
  const gb = H << 2;
  const pi = pre(xp, hp, bih, bhh, o, w);
  const pf = pre(xp, hp, bih, bhh, o + gb, w);
  const pg = pre(xp, hp, bih, bhh, o + 2 * gb, w);
  const po = pre(xp, hp, bih, bhh, o + 3 * gb, w);
  const ig = sigmoid4(pi);
  const fg = sigmoid4(pf);
  const gg = tanh4(pg);
  const og = sigmoid4(po);
  const cn = f32x4.add(f32x4.mul(fg, ld(cPrev + o, w)), f32x4.mul(ig, gg));
  const tc = tanh4(cn);
  st(c + o, cn, w);
  st(h + o, f32x4.mul(og, tc), w);
  st(ab + o, ig, w);
  st(ab + o + gb, fg, w);
  st(ab + o + 2 * gb, gg, w);
  st(ab + o + 3 * gb, og, w);
  st(ab + o + 4 * gb, tc, w);
}

// @ts-ignore: decorator
@inline
function pre(xp: usize, hp: usize, bih: usize, bhh: usize, o: usize, w: bool): v128 {
  return f32x4.add(f32x4.add(ld(xp + o, w), ld(bih + o, w)), f32x4.add(ld(hp + o, w), ld(bhh + o, w)));
}

/**
 * Backward of one step. dh = dhOut (from the layer above or the output layer) + dhRec (from step t+1);
 * dc (B, H) carries dL/dc from step t+1 in and dL/dc_prev out. Writes dgates (B, 4H) w.r.t. the
 * pre-activations (the same for the input and the recurrent projection).
 */
export function lstmBackward(dgates: usize, dc: usize, dhOut: usize, dhRec: usize, act: usize, cPrev: usize,
  batch: i32, hidden: i32): void {
  const H = <usize>hidden;
  for (let b = 0; b < batch; b++) {
    const s = (<usize>b * H) << 2;
    const ab = act + ((<usize>b * 5 * H) << 2);
    const db = dgates + ((<usize>b * 4 * H) << 2);
    let j: usize = 0;
    for (; j + 4 <= H; j += 4) lstmBackwardUnits(db, dc + s, dhOut + s, dhRec + s, ab, cPrev + s, H, j << 2, true);
    for (; j < H; j++) lstmBackwardUnits(db, dc + s, dhOut + s, dhRec + s, ab, cPrev + s, H, j << 2, false);
  }
}

// @ts-ignore: decorator
@inline
function lstmBackwardUnits(db: usize, dc: usize, dhOut: usize, dhRec: usize, ab: usize, cPrev: usize, H: usize,
  o: usize, w: bool): void {
  const gb = H << 2;
  const one = f32x4.splat(1);
  const dh = f32x4.add(ld(dhOut + o, w), ld(dhRec + o, w));
  const ig = ld(ab + o, w);
  const fg = ld(ab + o + gb, w);
  const gg = ld(ab + o + 2 * gb, w);
  const og = ld(ab + o + 3 * gb, w);
  const tc = ld(ab + o + 4 * gb, w);
  const dcv = f32x4.add(ld(dc + o, w), f32x4.mul(f32x4.mul(dh, og), f32x4.sub(one, f32x4.mul(tc, tc))));
  st(db + o, f32x4.mul(f32x4.mul(f32x4.mul(dcv, gg), ig), f32x4.sub(one, ig)), w);
  st(db + o + gb, f32x4.mul(f32x4.mul(f32x4.mul(dcv, ld(cPrev + o, w)), fg), f32x4.sub(one, fg)), w);
  st(db + o + 2 * gb, f32x4.mul(f32x4.mul(dcv, ig), f32x4.sub(one, f32x4.mul(gg, gg))), w);
  st(db + o + 3 * gb, f32x4.mul(f32x4.mul(f32x4.mul(dh, tc), og), f32x4.sub(one, og)), w);
  st(dc + o, f32x4.mul(dcv, fg), w);
}
