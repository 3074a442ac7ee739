// adam_step: torch.optim.Adam (no weight decay, no amsgrad) on the clipped gradient g = scale * grad:
//   m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g^2
//   p -= step_size * m / (sqrt(v)/bc2_sqrt + eps),  step_size = lr/(1 - b1^t), bc2_sqrt = sqrt(1 - b2^t)
// Skipped when clip_scale flagged a non-finite loss or norm.
// step_size and bc2_sqrt are computed on the host in float64 from the step counter t, as PyTorch does.
//!include update

override WG: u32 = 64;

@group(0) @binding(5) var<storage, read_write> m: array<f32>;       // (P) first moment
@group(0) @binding(6) var<storage, read_write> v: array<f32>;       // (P) second moment

@compute @workgroup_size(WG)
fn adam_step(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (no_update(i)) { return; }
  let g = scalars[3] * grads[i];
  let mi = st.beta1 * m[i] + (1.0 - st.beta1) * g;
  let vi = st.beta2 * v[i] + (1.0 - st.beta2) * g * g;
  m[i] = mi;
  v[i] = vi;
  params[i] -= st.step_size * mi / (sqrt(vi) / st.bc2_sqrt + st.eps);
}
