// Vanilla RNN, one time step for the whole batch: h' = act(xp + b_ih + hp + b_hh), act tanh or relu
// (relu != 0). h' itself is what backward needs (tanh' = 1 - h'^2, relu' = h' > 0), so nothing else is saved.

export function rnnForward(h: usize, xp: usize, hp: usize, bih: usize, bhh: usize, batch: i32, hidden: i32,
  relu: i32): void {
  const H = <usize>hidden;
  for (let b = 0; b < batch; b++) {
    const s = (<usize>b * H) << 2;
    for (let j: usize = 0; j < H; j++) {
      const o = j << 2;
      const x = (load<f32>(xp + s + o) + load<f32>(bih + o)) + (load<f32>(hp + s + o) + load<f32>(bhh + o));
      store<f32>(h + s + o, relu != 0 ? max<f32>(x, 0) : Mathf.tanh(x));
    }
  }
}

/** dgates (B, H) = (dhOut + dhRec) * act'(h). */
export function rnnBackward(dgates: usize, dhOut: usize, dhRec: usize, h: usize, batch: i32, hidden: i32,
  relu: i32): void {
  const n = <usize>batch * <usize>hidden;
  for (let i: usize = 0; i < n; i++) {
    const o = i << 2;
    const dh = load<f32>(dhOut + o) + load<f32>(dhRec + o);
    const y = load<f32>(h + o);
    store<f32>(dgates + o, relu != 0 ? (y > 0 ? dh : 0) : dh * (1 - y * y));
  }
}
