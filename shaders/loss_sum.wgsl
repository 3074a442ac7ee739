// loss_sum: reduces the per-row losses of softmax_xent in one workgroup (a fixed tree, deterministic):
//   scalars[0] = sum(row_loss) / rows               (this batch's mean loss)
//   scalars[1] += sum(row_loss)   when accumulating and finite (training loss since the last readLoss)
// The loss never leaves the GPU inside a training step; the host reads scalars when asked.
struct Dims { rows: u32 }
struct Step { lr: f32, clip: f32, beta1: f32, beta2: f32, eps: f32, step_size: f32, bc2_sqrt: f32, counter: u32, accumulate: u32 }

override WG: u32 = 256;

@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<uniform> st: Step;
@group(0) @binding(2) var<storage, read> row_loss: array<f32>;      // (T*B)
@group(0) @binding(3) var<storage, read_write> scalars: array<f32>; // [mean loss, loss sum, grad norm, clip scale, skip step, skipped steps, 0, 0]

var<workgroup> part: array<f32, WG>;

// Non-finite test on the bits: drivers may assume floats are finite, so x != x can be folded away.
fn finite(x: f32) -> bool { return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u; }


@compute @workgroup_size(WG)
fn loss_sum(@builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  for (var i = lid; i < d.rows; i += WG) { s += row_loss[i]; }
  part[lid] = s;
  workgroupBarrier();
  for (var w = WG / 2u; w > 0u; w >>= 1u) {
    if (lid < w) { part[lid] += part[lid + w]; }
    workgroupBarrier();
  }
  if (lid == 0u) {
    scalars[0] = part[0] / f32(d.rows);
    if (st.accumulate != 0u && finite(part[0])) { scalars[1] += part[0]; }
  }
}
