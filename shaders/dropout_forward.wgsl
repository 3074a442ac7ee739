// dropout_forward: inverted dropout on the output of layer `layer` (every layer but the last), training only:
//   out[i] = in[i] * (u(i) >= p ? 1/(1-p) : 0),   i = (t*B + b)*H + j
// u is dropoutUniform(seed, step, layer, i) of src/model/params.ts (common/dropout.wgsl).
// Nothing is saved: dropout_backward recomputes the mask.
//!include dropout

override WG: u32 = 64;

@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<uniform> st: Step;
@group(0) @binding(2) var<storage, read> inp: array<f32>;         // (T, B, H) at in_off
@group(0) @binding(3) var<storage, read_write> out: array<f32>;   // (T, B, H) at out_off

@compute @workgroup_size(WG)
fn dropout_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= d.count) { return; }
  out[d.out_off + i] = dropout(i, inp[d.in_off + i]);
}
