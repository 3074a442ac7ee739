// Vanilla RNN, one time step for the whole batch: h' = act(xp + b_ih + hp + b_hh), act tanh or relu
// (relu != 0). h' itself is what backward needs (tanh' = 1 - h'^2, relu' = h' > 0), so nothing else is
// saved. Vectorized over 4 units.
import { ld, st, tanh4 } from './activations';

export function rnnForward(h: usize, xp: usize, hp: usize, bih: usize, bhh: usize, batch: i32, hidden: i32,
  relu: i32): void {
  const H = <usize>hidden;
  for (let b = 0; b < batch; b++) {
    const s = (<usize>b * H) << 2;
    let j: usize = 0;
    for (; j + 4 <= H; j += 4) rnnForwardUnits(h + s, xp + s, hp + s, bih, bhh, j << 2, relu != 0, true);
    for (; j < H; j++) rnnForwardUnits(h + s, xp + s, hp + s, bih, bhh, j << 2, relu != 0, false);
  }
}

// @ts-ignore: decorator
@inline
function rnnForwardUnits(h: usize, xp: usize, hp: usize, bih: usize, bhh: usize, o: usize, relu: bool, w: bool): void {
  const x = f32x4.add(f32x4.add(ld(xp + o, w), ld(bih + o, w)), f32x4.add(ld(hp + o, w), ld(bhh + o, w)));
  st(h + o, relu ? f32x4.max(x, f32x4.splat(0)) : tanh4(x), w);
}

/** dgates (B, H) = (dhOut + dhRec) * act'(h). */
export function rnnBackward(dgates: usize, dhOut: usize, dhRec: usize, h: usize, batch: i32, hidden: i32,
  relu: i32): void {
  const n = <usize>batch * <usize>hidden;
  let i: usize = 0;
  for (; i + 4 <= n; i += 4) rnnBackwardUnits(dgates, dhOut, dhRec, h, i << 2, relu != 0, true);
  for (; i < n; i++) rnnBackwardUnits(dgates, dhOut, dhRec, h, i << 2, relu != 0, false);
}

// @ts-ignore: decorator
@inline
function rnnBackwardUnits(dgates: usize, dhOut: usize, dhRec: usize, h: usize, o: usize, relu: bool, w: bool): void {
  const dh = f32x4.add(ld(dhOut + o, w), ld(dhRec + o, w));
  const y = ld(h + o, w);
  const d = relu
    ? v128.and(dh, f32x4.gt(y, f32x4.splat(0)))
    : f32x4.mul(dh, f32x4.sub(f32x4.splat(1), f32x4.mul(y, y)));
  st(dgates + o, d, w);
}
