// GRU, one time step for the whole batch, PyTorch gate order r, z, n:
//   r = sigmoid(xr + hr), z = sigmoid(xz + hz), n = tanh(xn + r * hn), h' = (1 - z) * n + z * h
// where x* = W_i* x + b_i* (xp, (B, 3H), biases added here) and h* = W_h* h + b_h* (hp, (B, 3H)).
// Saves act (B, 4H) = [r, z, n, hn] (hn = W_hn h + b_hn is needed for dr).
import { sigmoid, tanhf } from './activations';

export function gruForward(act: usize, h: usize, xp: usize, hp: usize, bih: usize, bhh: usize, hPrev: usize,
  batch: i32, hidden: i32): void {
  const H = <usize>hidden;
  for (let b = 0; b < batch; b++) {
    const g = (<usize>b * 3 * H) << 2;
    const s = (<usize>b * H) << 2;
    const ab = act + ((<usize>b * 4 * H) << 2);
    for (let j: usize = 0; j < H; j++) {
      const o = j << 2;
      const oz = (H + j) << 2;
      const on = (H * 2 + j) << 2;
      const r = sigmoid((load<f32>(xp + g + o) + load<f32>(bih + o)) + (load<f32>(hp + g + o) + load<f32>(bhh + o)));
      const z = sigmoid((load<f32>(xp + g + oz) + load<f32>(bih + oz)) + (load<f32>(hp + g + oz) + load<f32>(bhh + oz)));
      const hn = load<f32>(hp + g + on) + load<f32>(bhh + on);
      const n = tanhf((load<f32>(xp + g + on) + load<f32>(bih + on)) + r * hn);
      const hp0 = load<f32>(hPrev + s + o);
      store<f32>(h + s + o, (1 - z) * n + z * hp0);
      store<f32>(ab + o, r);
      store<f32>(ab + oz, z);
      store<f32>(ab + on, n);
      store<f32>(ab + ((3 * H + j) << 2), hn);
    }
  }
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
    for (let j: usize = 0; j < H; j++) {
      const o = j << 2;
      const oz = (H + j) << 2;
      const on = (H * 2 + j) << 2;
      const dh = load<f32>(dhOut + s + o) + load<f32>(dhRec + s + o);
      const r = load<f32>(ab + o);
      const z = load<f32>(ab + oz);
      const n = load<f32>(ab + on);
      const hn = load<f32>(ab + ((3 * H + j) << 2));
      const dpn = dh * (1 - z) * (1 - n * n);
      const dpz = dh * (load<f32>(hPrev + s + o) - n) * z * (1 - z);
      const dpr = dpn * hn * r * (1 - r);
      store<f32>(dgx + g + o, dpr);
      store<f32>(dgx + g + oz, dpz);
      store<f32>(dgx + g + on, dpn);
      store<f32>(dgh + g + o, dpr);
      store<f32>(dgh + g + oz, dpz);
      store<f32>(dgh + g + on, dpn * r);
      store<f32>(dhPrev + s + o, dh * z);
    }
  }
}
