// embedding_backward: gradient of layer 0's one-hot input projection (see embedding_forward):
//   dW_ih[k, v] = sum over rows n = t*B + b with x[b, t] == v of dg[n, k]
// One invocation per (k, v), rows visited in order, so the sum is deterministic (no atomics).
// The bias gradient is column_sum over dg.
struct Dims { batch: u32, steps: u32, gh: u32, vocab: u32, g_off: u32 }

override WG: u32 = 64;

@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<storage, read> tokens: array<i32>;       // (B, T)
@group(0) @binding(2) var<storage, read> dg: array<f32>;           // (T, B, GH) input-side gate gradients
@group(0) @binding(3) var<storage, read_write> grads: array<f32>;  // flat; dW_ih (GH, V) at g_off

@compute @workgroup_size(WG)
fn embedding_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.x + gid.y * nwg.x * WG;
  if (idx >= d.gh * d.vocab) { return; }
  let k = idx / d.vocab;
  let v = i32(idx % d.vocab);
  var s = 0.0;
  for (var t = 0u; t < d.steps; t++) {
    for (var b = 0u; b < d.batch; b++) {
      if (tokens[b * d.steps + t] == v) { s += dg[(t * d.batch + b) * d.gh + k]; }
    }
  }
  grads[d.g_off + idx] = s;
}
