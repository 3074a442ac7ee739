// softmax_xent: fused softmax cross-entropy, forward and backward in one pass over each row of logits:
//   loss_n  = logsumexp(z_n) - z_n[y_n]
//   dz_n    = (softmax(z_n) - onehot(y_n)) / N        (gradient of the mean over all N = T*B rows)
// Rows are time-major (row n = t*B + b, as d2l); targets are (B, T) as the user gives them.
// The per-row losses go to loss_sum for a deterministic reduction.
struct Dims { batch: u32, steps: u32, vocab: u32 }

override WG: u32 = 64;

@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<storage, read> logits: array<f32>;        // (T*B, V)
@group(0) @binding(2) var<storage, read> targets: array<i32>;       // (B, T)
@group(0) @binding(3) var<storage, read_write> dlogits: array<f32>; // (T*B, V)
@group(0) @binding(4) var<storage, read_write> row_loss: array<f32>; // (T*B)

@compute @workgroup_size(WG)
fn softmax_xent(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let rows = d.steps * d.batch;
  let n = gid.x + gid.y * nwg.x * WG;
  if (n >= rows) { return; }
  let V = d.vocab;
  let o = n * V;
  var m = logits[o];
  for (var v = 1u; v < V; v++) { m = max(m, logits[o + v]); }
  var s = 0.0;
  for (var v = 0u; v < V; v++) { s += exp(max(logits[o + v] - m, -80.0)); }
  let y = u32(targets[(n % d.batch) * d.steps + n / d.batch]);
  row_loss[n] = log(s) + m - logits[o + y];
  let inv = 1.0 / (s * f32(rows));
  for (var v = 0u; v < V; v++) {
    dlogits[o + v] = exp(max(logits[o + v] - m, -80.0)) * inv - select(0.0, 1.0 / f32(rows), v == y);
  }
}
