// dropout_backward: din[i] = dout[i] * (u(i) >= p ? 1/(1-p) : 0), recomputing the mask of
// dropout_forward (same seed, step counter, layer and index i = (t*B + b)*H + j).
//!include dropout

override WG: u32 = 64;

@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<uniform> st: Step;
@group(0) @binding(2) var<storage, read> dout: array<f32>;        // (T, B, H) gradient w.r.t. the dropped output, at in_off
@group(0) @binding(3) var<storage, read_write> din: array<f32>;   // (T, B, H) gradient w.r.t. the layer output, at out_off

@compute @workgroup_size(WG)
fn dropout_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= d.count) { return; }
  din[d.out_off + i] = dropout(i, dout[d.in_off + i]);
}
