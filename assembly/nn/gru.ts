// GRU, one time step for the whole batch, PyTorch gate order r, z, n:
//   r = sigmoid(xr + hr), z = sigmoid(xz + hz), n = tanh(xn + r * hn), h' = (1 - z) * n + z * h
// where x* = W_i* x + b_i* (xp, (B, 3H), biases added here) and h* = W_h* h + b_h* (hp, (B, 3H)).
// Saves act (B, 4H) = [r, z, n, hn] (hn = W_hn h + b_hn is needed for dr). Vectorized over 4 units.
import { ld, sigmoid4, st, tanh4 } from './activations';

export function gruForward(act: usize, h: usize, xp: usize, hp: usize, bih: usize, bhh: usize, hPrev: usize,
  batch: i32, hidden: i32): void {
  const H = <usize>hidden;
  for (let b = 0; b < batch; b++) {
    const g = (<usize>b * 3 * H) << 2;
    const s = (<usize>b * H) << 2;
    const ab = act + ((<usize>b * 4 * H) << 2);
    let j: usize = 0;
    for (; j + 4 <= H; j += 4) gruForwardUnits(ab, h + s, hPrev + s, xp + g, hp + g, bih, bhh, H, j << 2, true);
    for (; j < H; j++) gruForwardUnits(ab, h + s, hPrev + s, xp + g, hp + g, bih, bhh, H, j << 2, false);
  }
}

// @ts-ignore: decorator
@inline
function gruForwardUnits(ab: usize, h: usize, hPrev: usize, xp: usize, hp: usize, bih: usize, bhh: usize, H: usize,
  o: usize, w: bool): void {
  const gb = H << 2;
  const oz = o + gb;
  const on = o + 2 * gb;
  const r = sigmoid4(f32x4.add(f32x4.add(ld(xp + o, w), ld(bih + o, w)), f32x4.add(ld(hp + o, w), ld(bhh + o, w))));
  const z = sigmoid4(f32x4.add(f32x4.add(ld(xp + oz, w), ld(bih + oz, w)), f32x4.add(ld(hp + oz, w), ld(bhh + oz, w))));
  const hn = f32x4.add(ld(hp + on, w), ld(bhh + on, w));
  const n = tanh4(f32x4.add(f32x4.add(ld(xp + on, w), ld(bih + on, w)), f32x4.mul(r, hn)));
  const hp0 = ld(hPrev + o, w);
  st(h + o, f32x4.add(f32x4.mul(f32x4.sub(f32x4.splat(1), z), n), f32x4.mul(z, hp0)), w);
  st(ab + o, r, w);
  st(ab + oz, z, w);
  st(ab + on, n, w);
  st(ab + o + 3 * gb, hn, w);
}

/**
 * Backward of one step; dh = dhOut + dhRec. Writes dgx (B, 3H) w.r.t. the input-side pre-activations,
 * dgh (B, 3H) w.r.t. the recurrent ones (they differ in the n block by the factor r) and the direct part
 * of dL/dh_prev, z * dh, into dhPrev (the W_hh product is added by the caller).
 */
export function gruBackward(dgx: usize, dgh: usize, dhPrev: usize, dhOut: usize, dhRec: usize, act: usize,
  hPrev: usize, batch: i32, hidden: i32): void {
  const H = <usize>hidden;
  for (let b = 0; b < batch; b++) {
    const g = (<usize>b * 3 * H) << 2;
    const s = (<usize>b * H) << 2;
    const ab = act + ((<usize>b * 4 * H) << 2);
    let j: usize = 0;
    for (; j + 4 <= H; j += 4) gruBackwardUnits(dgx + g, dgh + g, dhPrev + s, dhOut + s, dhRec + s, ab, hPrev + s, H, j << 2, true);
    for (; j < H; j++) gruBackwardUnits(dgx + g, dgh + g, dhPrev + s, dhOut + s, dhRec + s, ab, hPrev + s, H, j << 2, false);
  }
}

// @ts-ignore: decorator
@inline
function gruBackwardUnits(dgx: usize, dgh: usize, dhPrev: usize, dhOut: usize, dhRec: usize, ab: usize, hPrev: usize,
  H: usize, o: usize, w: bool): void {
  const gb = H << 2;
  const oz = o + gb;
  const on = o + 2 * gb;
  const one = f32x4.splat(1);
  const dh = f32x4.add(ld(dhOut + o, w), ld(dhRec + o, w));
  const r = ld(ab + o, w);
  const z = ld(ab + oz, w);
  const n = ld(ab + on, w);
  const hn = ld(ab + o + 3 * gb, w);
  const dpn = f32x4.mul(f32x4.mul(dh, f32x4.sub(one, z)), f32x4.sub(one, f32x4.mul(n, n)));
  const dpz = f32x4.mul(f32x4.mul(f32x4.mul(dh, f32x4.sub(ld(hPrev + o, w), n)), z), f32x4.sub(one, z));
  const dpr = f32x4.mul(f32x4.mul(f32x4.mul(dpn, hn), r), f32x4.sub(one, r));
  st(dgx + o, dpr, w);
  st(dgx + oz, dpz, w);
  st(dgx + on, dpn, w);
  st(dgh + o, dpr, w);
  st(dgh + oz, dpz, w);
  st(dgh + on, f32x4.mul(dpn, r), w);
  st(dhPrev + o, f32x4.mul(dh, z), w);
}
