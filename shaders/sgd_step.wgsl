// sgd_step: p -= lr * scale * g over every parameter (one flat buffer), scale = clip_scale's factor
// read on the GPU (no round trip). Skipped when clip_scale flagged a non-finite loss or norm.
//!include update

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn sgd_step(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (no_update(i)) { return; }
  params[i] -= st.lr * scalars[3] * grads[i];
}
