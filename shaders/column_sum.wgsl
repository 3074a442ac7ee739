// column_sum: out[c_off + j] = sum_i a[a_off + i*cols + j] — the bias gradients, summed over all
// T*B rows of a gate or logit gradient at once. Backward of the broadcast bias add in matmul and the
// recurrent kernels. One invocation per column; rows summed in order (deterministic).
struct Dims { rows: u32, cols: u32, a_off: u32, c_off: u32 }

override WG: u32 = 64;

@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<storage, read> a: array<f32>;          // (rows, cols) at a_off
@group(0) @binding(2) var<storage, read_write> out: array<f32>;  // (cols) at c_off

@compute @workgroup_size(WG)
fn column_sum(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = gid.x + gid.y * nwg.x * WG;
  if (j >= d.cols) { return; }
  var s = 0.0;
  for (var i = 0u; i < d.rows; i++) { s += a[d.a_off + i * d.cols + j]; }
  out[d.c_off + j] = s;
}
