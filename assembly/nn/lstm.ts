// LSTM, one time step for the whole batch, PyTorch gate order i, f, g, o:
//   i, f, o = sigmoid(.), g = tanh(.) of (xp + b_ih + hp + b_hh);  c' = f*c + i*g;  h' = o*tanh(c')
// xp (B, 4H) is the input projection of this step, hp (B, 4H) = h_prev . W_hh^T. The forward saves
// act (B, 5H) = [i, f, g, o, tanh(c')] post-activation; backward reads them instead of recomputing.
import { sigmoid, tanhf } from './activations';

export function lstmForward(act: usize, h: usize, c: usize, xp: usize, hp: usize, bih: usize, bhh: usize,
  cPrev: usize, batch: i32, hidden: i32): void {
  const H = <usize>hidden;
  for (let b = 0; b < batch; b++) {
    const g = <usize>b * 4 * H;
    const s = <usize>b * H;
    const ab = act + ((<usize>b * 5 * H) << 2);
    for (let j: usize = 0; j < H; j++) {
      const pi = pre(xp, hp, bih, bhh, g, j);
      const pf = pre(xp, hp, bih, bhh, g, H + j);
      const pg = pre(xp, hp, bih, bhh, g, 2 * H + j);
      const po = pre(xp, hp, bih, bhh, g, 3 * H + j);
      const ig = sigmoid(pi);
      const fg = sigmoid(pf);
      const gg = tanhf(pg);
      const og = sigmoid(po);
      const cn = fg * load<f32>(cPrev + ((s + j) << 2)) + ig * gg;
      const tc = tanhf(cn);
      store<f32>(c + ((s + j) << 2), cn);
      store<f32>(h + ((s + j) << 2), og * tc);
      store<f32>(ab + (j << 2), ig);
      store<f32>(ab + ((H + j) << 2), fg);
      store<f32>(ab + ((2 * H + j) << 2), gg);
      store<f32>(ab + ((3 * H + j) << 2), og);
      store<f32>(ab + ((4 * H + j) << 2), tc);
    }
  }
}

// @ts-ignore: decorator
@inline
function pre(xp: usize, hp: usize, bih: usize, bhh: usize, rowBase: usize, col: usize): f32 {
  return (load<f32>(xp + ((rowBase + col) << 2)) + load<f32>(bih + (col << 2)))
    + (load<f32>(hp + ((rowBase + col) << 2)) + load<f32>(bhh + (col << 2)));
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
    const s = <usize>b * H;
    const ab = act + ((<usize>b * 5 * H) << 2);
    const db = dgates + ((<usize>b * 4 * H) << 2);
    for (let j: usize = 0; j < H; j++) {
      const dh = load<f32>(dhOut + ((s + j) << 2)) + load<f32>(dhRec + ((s + j) << 2));
      const ig = load<f32>(ab + (j << 2));
      const fg = load<f32>(ab + ((H + j) << 2));
      const gg = load<f32>(ab + ((2 * H + j) << 2));
      const og = load<f32>(ab + ((3 * H + j) << 2));
      const tc = load<f32>(ab + ((4 * H + j) << 2));
      const dcv = load<f32>(dc + ((s + j) << 2)) + dh * og * (1 - tc * tc);
      store<f32>(db + (j << 2), dcv * gg * ig * (1 - ig));
      store<f32>(db + ((H + j) << 2), dcv * load<f32>(cPrev + ((s + j) << 2)) * fg * (1 - fg));
      store<f32>(db + ((2 * H + j) << 2), dcv * ig * (1 - gg * gg));
      store<f32>(db + ((3 * H + j) << 2), dh * tc * og * (1 - og));
      store<f32>(dc + ((s + j) << 2), dcv * fg);
    }
  }
}
