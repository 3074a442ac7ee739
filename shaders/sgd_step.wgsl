// sgd_step: p -= lr * scale * g over every parameter (one flat buffer), scale = clip_scale's factor
// read on the GPU (no round trip). Skipped when clip_scale flagged a non-finite loss or norm.
struct Dims { count: u32 }
struct Step { lr: f32, clip: f32, beta1: f32, beta2: f32, eps: f32, step_size: f32, bc2_sqrt: f32, counter: u32, accumulate: u32 }

override WG: u32 = 64;

@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<uniform> st: Step;
@group(0) @binding(2) var<storage, read> scalars: array<f32>; // [mean loss, loss sum, grad norm, clip scale, skip step, skipped steps, 0, 0]
@group(0) @binding(3) var<storage, read> grads: array<f32>;         // (P)
@group(0) @binding(4) var<storage, read_write> params: array<f32>;  // (P)

@compute @workgroup_size(WG)
fn sgd_step(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= d.count || scalars[4] != 0.0) { return; }
  params[i] -= st.lr * scalars[3] * grads[i];
}
