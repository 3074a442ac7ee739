// Softmax cross-entropy over rows of logits (N, V) with integer targets (N). Returns the summed loss
// (f64, sequential, so it is bit-identical run to run); when dlogits != 0 also writes
// d(mean loss)/d logits = (softmax - onehot) / N into dlogits (which may alias logits).

export function softmaxXent(dlogits: usize, logits: usize, targets: usize, rows: i32, vocab: i32): f64 {
  const V = <usize>vocab;
  const inv: f32 = <f32>(1.0 / <f64>rows);
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const x = logits + ((<usize>r * V) << 2);
    const t = <usize>load<i32>(targets + ((<usize>r) << 2));
    let m = load<f32>(x);
    for (let v: usize = 1; v < V; v++) m = max(m, load<f32>(x + (v << 2)));
    let sum: f64 = 0;
    for (let v: usize = 0; v < V; v++) sum += <f64>Mathf.exp(load<f32>(x + (v << 2)) - m);
    const xt = load<f32>(x + (t << 2));
    total += Math.log(sum) + <f64>m - <f64>xt;
    if (dlogits != 0) {
      const d = dlogits + ((<usize>r * V) << 2);
      const scale = <f32>(1.0 / sum) * inv;
      for (let v: usize = 0; v < V; v++) store<f32>(d + (v << 2), Mathf.exp(load<f32>(x + (v << 2)) - m) * scale);
      store<f32>(d + (t << 2), load<f32>(d + (t << 2)) - inv);
    }
  }
  return total;
}
