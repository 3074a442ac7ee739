// clip_scale: second stage of grad_norm, then d2l's grad_clipping factor:
//   norm = sqrt(sum(partial)),  scale = norm > theta ? theta / norm : 1     (theta < 0: no clipping)
// Written to scalars[2] (norm) and scalars[3] (scale); sgd_step and adam_step read the scale on the GPU.
// A non-finite loss or norm sets scalars[4] (the update is skipped, as the WASM engine skips the step)
// and counts in scalars[5], which readLoss reports as E_NOT_FINITE.
//!include step
//!include finite
//!include reduce
struct Dims { parts: u32 }

override WG: u32 = 256;

@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<uniform> st: Step;
@group(0) @binding(2) var<storage, read> partial: array<f32>;        // (parts) from grad_norm
@group(0) @binding(3) var<storage, read_write> scalars: array<f32>; // [mean loss, loss sum, grad norm, clip scale, skip step, skipped steps, 0, 0]

@compute @workgroup_size(WG)
fn clip_scale(@builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  for (var i = lid; i < d.parts; i += WG) { s += partial[i]; }
  let total = workgroup_sum(lid, s);
  if (lid == 0u) {
    let norm = sqrt(total);
    scalars[2] = norm;
    scalars[3] = select(1.0, st.clip / norm, st.clip >= 0.0 && norm > st.clip);
    let skip = !finite(norm) || !finite(scalars[0]);
    scalars[4] = select(0.0, 1.0, skip);
    if (skip && st.accumulate != 0u) { scalars[5] += 1.0; }
  }
}
