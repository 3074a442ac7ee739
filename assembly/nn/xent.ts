// Softmax cross-entropy over rows of logits (N, V) with integer targets (N). Returns the summed loss
// (f64, sequential, so it is bit-identical run to run); when dlogits != 0 also writes
// d(mean loss)/d logits = (softmax - onehot) / N into dlogits (which may alias logits).
// softmaxXentRows computes rows [r0, r1) and leaves each row's loss in rowLoss (f64): threads split by
// rows and the host sums the losses in row order, which gives softmaxXent's sum bit for bit.

export function softmaxXent(dlogits: usize, logits: usize, targets: usize, rows: i32, vocab: i32): f64 {
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) total += xentRow(dlogits, logits, targets, r, rows, vocab);
  return total;
}

export function softmaxXentRows(dlogits: usize, logits: usize, targets: usize, rows: i32, vocab: i32,
  rowLoss: usize, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) store<f64>(rowLoss + ((<usize>r) << 3), xentRow(dlogits, logits, targets, r, rows, vocab));
}

// @ts-ignore: decorator
@inline
function xentRow(dlogits: usize, logits: usize, targets: usize, r: i32, rows: i32, vocab: i32): f64 {
  const V = <usize>vocab;
  const inv: f32 = <f32>(1.0 / <f64>rows);
  const x = logits + ((<usize>r * V) << 2);
  const t = <usize>load<i32>(targets + ((<usize>r) << 2));
  let m = load<f32>(x);
  for (let v: usize = 1; v < V; v++) m = max(m, load<f32>(x + (v << 2)));
  let sum: f64 = 0;
  for (let v: usize = 0; v < V; v++) sum += <f64>Mathf.exp(load<f32>(x + (v << 2)) - m);
  const xt = load<f32>(x + (t << 2));
  const loss = Math.log(sum) + <f64>m - <f64>xt;
  if (dlogits != 0) {
    const d = dlogits + ((<usize>r * V) << 2);
    const scale = <f32>(1.0 / sum) * inv;
    for (let v: usize = 0; v < V; v++) store<f32>(d + (v << 2), Mathf.exp(load<f32>(x + (v << 2)) - m) * scale);
    store<f32>(d + (t << 2), load<f32>(d + (t << 2)) - inv);
  }
  return loss;
}
