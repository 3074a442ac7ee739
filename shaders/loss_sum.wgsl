// loss_sum: reduces the per-row losses of softmax_xent in one workgroup (a fixed tree, deterministic):
//   scalars[0] = sum(row_loss) / rows               (this batch's mean loss)
//   scalars[1] += sum(row_loss)   when accumulating and finite (training loss since the last readLoss)
// The loss never leaves the GPU inside a training step; the host reads scalars when asked.
//!include step
//!include finite
//!include reduce
struct Dims { rows: u32 }

override WG: u32 = 256;

@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<uniform> st: Step;
@group(0) @binding(2) var<storage, read> row_loss: array<f32>;      // (T*B)
@group(0) @binding(3) var<storage, read_write> scalars: array<f32>; // [mean loss, loss sum, grad norm, clip scale, skip step, skipped steps, 0, 0]

@compute @workgroup_size(WG)
fn loss_sum(@builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  for (var i = lid; i < d.rows; i += WG) { s += row_loss[i]; }
  let total = workgroup_sum(lid, s);
  if (lid == 0u) {
    scalars[0] = total / f32(d.rows);
    if (st.accumulate != 0u && finite(total)) { scalars[1] += total; }
  }
}
