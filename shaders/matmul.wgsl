// matmul: C = A·B (+ bias) (+ C), with A and B addressed through strides so that one pipeline serves
// every product the model needs: the input projections X·W_ihᵀ and logits Y·W_outᵀ (forward), the input
// gradients dG·W (backward, data) and the weight gradients dGᵀ·X summed over all T steps at once
// (backward, weights). It is its own forward/backward pair: the transposes are only strides.
//   A(i, k) = a[a_off + i*a_rs + k*a_cs]     (M, K)
//   B(k, j) = b[b_off + k*b_rs + j*b_cs]     (K, N)
//   C(i, j) = c[c_off + i*N + j]             (M, N) row-major
//   flags bit 0: add bias[bias_off + j]; bit 1: accumulate into the existing C.
// Register-blocked with no workgroup memory: each invocation computes RM rows x 8 columns (two vec4
// accumulators per row); dispatched as (ceil(N/8) invocations, ceil(M/RM) workgroups in y). 8x8 measured
// 15-20% less lavapipe CPU time than 8x4 and 4x8 on the d2l shapes (bench/RESULTS.md). On software
// adapters (lavapipe) this beat shared-memory tiles 3-15x. Loads are clamped into range instead of
// branching inside the k loop; out-of-range rows and columns are computed but never stored.
struct Dims {
  m: u32, n: u32, k: u32,
  a_off: u32, a_rs: u32, a_cs: u32,
  b_off: u32, b_rs: u32, b_cs: u32,
  c_off: u32, bias_off: u32, flags: u32,
}

override WG: u32 = 64;
const RM: u32 = 8u;

@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<storage, read> a: array<f32>;        // (M, K) through a_rs, a_cs
@group(0) @binding(2) var<storage, read> b: array<f32>;        // (K, N) through b_rs, b_cs
@group(0) @binding(3) var<storage, read> bias: array<f32>;     // (N) at bias_off; any buffer when unused
@group(0) @binding(4) var<storage, read_write> c: array<f32>;  // (M, N) at c_off

@compute @workgroup_size(WG)
fn matmul(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  // Rows come from the workgroup's y index, so the A loads below are uniform across the workgroup (one
  // load and a broadcast on SIMD CPUs); lanes differ in their 8 columns only.
  let i0 = wid.y * RM;
  let j0 = gid.x * 8u;
  if (j0 >= d.n) { return; }
  let jl = d.n - 1u;
  let bc = vec4<u32>(j0, min(j0 + 1u, jl), min(j0 + 2u, jl), min(j0 + 3u, jl)) * d.b_cs + vec4<u32>(d.b_off);
  let bd = vec4<u32>(min(j0 + 4u, jl), min(j0 + 5u, jl), min(j0 + 6u, jl), min(j0 + 7u, jl)) * d.b_cs + vec4<u32>(d.b_off);
  var ar: array<u32, RM>;
  for (var r = 0u; r < RM; r++) { ar[r] = d.a_off + min(i0 + r, d.m - 1u) * d.a_rs; }
  var acc: array<vec4<f32>, RM>;
  var acc2: array<vec4<f32>, RM>;
  for (var k = 0u; k < d.k; k++) {
    let bo = k * d.b_rs;
    let bv = vec4<f32>(b[bc.x + bo], b[bc.y + bo], b[bc.z + bo], b[bc.w + bo]);
    let bw = vec4<f32>(b[bd.x + bo], b[bd.y + bo], b[bd.z + bo], b[bd.w + bo]);
    let ao = k * d.a_cs;
    for (var r = 0u; r < RM; r++) { let av = a[ar[r] + ao]; acc[r] += av * bv; acc2[r] += av * bw; }
  }
  for (var r = 0u; r < RM; r++) {
    let i = i0 + r;
    if (i >= d.m) { break; }
    for (var q = 0u; q < 8u; q++) {
      let j = j0 + q;
      if (j >= d.n) { break; }
      var v = select(acc2[r][q & 3u], acc[r][q & 3u], q < 4u);
      if ((d.flags & 1u) != 0u) { v += bias[d.bias_off + j]; }
      let o = d.c_off + i * d.n + j;
      if ((d.flags & 2u) != 0u) { v += c[o]; }
      c[o] = v;
    }
  }
}
