// embedding_forward: layer 0's input projection for one-hot input. W_ih·onehot(x) is column x of W_ih,
// so this is a gather, not a matmul:
//   xp[(t*B + b)*GH + k] = W_ih[k*V + x[b*T + t]] + b_ih[k]      for all T steps at once
// Tokens are (B, T) row-major as the user gives them; xp is time-major (T, B, GH).
// Backward: embedding_backward.
struct Dims { batch: u32, steps: u32, gh: u32, vocab: u32, w_off: u32, b_off: u32 }

override WG: u32 = 64;

@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<storage, read> tokens: array<i32>;    // (B, T)
@group(0) @binding(2) var<storage, read> params: array<f32>;    // flat; W_ih (GH, V) at w_off, b_ih (GH) at b_off
@group(0) @binding(3) var<storage, read_write> xp: array<f32>;  // (T, B, GH)

@compute @workgroup_size(WG)
fn embedding_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.x + gid.y * nwg.x * WG;
  if (idx >= d.steps * d.batch * d.gh) { return; }
  let row = idx / d.gh;  // t*B + b
  let k = idx % d.gh;
  let t = row / d.batch;
  let b = row % d.batch;
  let v = u32(tokens[b * d.steps + t]);
  xp[idx] = params[d.w_off + k * d.vocab + v] + params[d.b_off + k];
}
