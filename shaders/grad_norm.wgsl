// grad_norm: first stage of the global L2 norm over every gradient (one flat buffer):
//   partial[w] = sum of g[i]^2 over the elements workgroup w visits (grid-stride, fixed order)
// clip_scale sums the partials. Deterministic: no atomics.
//!include reduce
struct Dims { count: u32 }

override WG: u32 = 256;

@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<storage, read> grads: array<f32>;          // (P) all gradients, flat
@group(0) @binding(2) var<storage, read_write> partial: array<f32>;  // (number of workgroups)

@compute @workgroup_size(WG)
fn grad_norm(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>,
             @builtin(num_workgroups) nwg: vec3<u32>) {
  var s = 0.0;
  for (var i = wid.x * WG + lid; i < d.count; i += nwg.x * WG) { let g = grads[i]; s += g * g; }
  let total = workgroup_sum(lid, s);
  if (lid == 0u) { partial[wid.x] = total; }
}
