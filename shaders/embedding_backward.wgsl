// embedding_backward: gradient of layer 0's one-hot input projection (see embedding_forward):
//   dW_ih[k, v] = sum over rows n = t*B + b with x[b, t] == v of dg[n, k]
// One invocation per k owns row k of dW_ih: it zeroes it, then adds each row's dg[n, k] into column
// x_n, visiting rows in order — deterministic, no atomics, and N*GH work instead of N*GH*V.
// The token loads are uniform across the workgroup; the dg loads of neighbouring lanes are contiguous.
// The bias gradient is column_sum over dg.
struct Dims { batch: u32, steps: u32, gh: u32, vocab: u32, g_off: u32 }

override WG: u32 = 64;

@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<storage, read> tokens: array<i32>;       // (B, T)
@group(0) @binding(2) var<storage, read> dg: array<f32>;           // (T, B, GH) input-side gate gradients
@group(0) @binding(3) var<storage, read_write> grads: array<f32>;  // flat; dW_ih (GH, V) at g_off

@compute @workgroup_size(WG)
fn embedding_backward(@builtin(global_invocation_id) gid: vec3<u32>) {
  let k = gid.x;
  if (k >= d.gh) { return; }
  let o = d.g_off + k * d.vocab;
  for (var v = 0u; v < d.vocab; v++) { grads[o + v] = 0.0; }
  for (var t = 0u; t < d.steps; t++) {
    for (var b = 0u; b < d.batch; b++) {
      let n = t * d.batch + b;
      let v = u32(tokens[b * d.steps + t]);
      grads[o + v] += dg[n * d.gh + k];
    }
  }
}
