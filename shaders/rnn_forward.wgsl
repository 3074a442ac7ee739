// rnn_forward: one time step t of one vanilla RNN layer, fused:
//   h_t = act(xp_t + h_{t-1}·W_hhᵀ + b_hh),   act = tanh (act = 0) or relu (act = 1)
// xp = W_ih·x_t + b_ih is precomputed for all steps. Saved for rnn_backward: h_t only (slot t+1 of hs),
// since tanh' = 1 - h^2 and relu' = [h > 0]. The tanh input is clamped.
struct Dims { batch: u32, hidden: u32, t: u32, whh_off: u32, bhh_off: u32, act: u32 }

override WG: u32 = 64;
// Batch rows per invocation: the h (or dgates) loads are uniform across the workgroup and each weight
// load serves BB rows. Dispatched as (H invocations, ceil(B/BB) workgroups in y).
const BB: u32 = 8u;

@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<storage, read> xp: array<f32>;        // (T, B, H): W_ih·x_t + b_ih
@group(0) @binding(2) var<storage, read> params: array<f32>;    // flat; W_hh (H, H) at whh_off, b_hh (H) at bhh_off
@group(0) @binding(3) var<storage, read_write> hs: array<f32>;  // (T+1, B, H): slot 0 = h_0; reads slot t, writes t+1

@compute @workgroup_size(WG)
fn rnn_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let H = d.hidden;
  let B = d.batch;
  let j = gid.x;
  if (j >= H) { return; }
  let b0 = wid.y * BB;
  var hrow: array<u32, BB>;
  for (var r = 0u; r < BB; r++) { hrow[r] = (d.t * B + min(b0 + r, B - 1u)) * H; }
  var acc: array<f32, BB>;
  let w = d.whh_off + j * H;
  for (var k = 0u; k < H; k++) {
    let wk = params[w + k];
    for (var r = 0u; r < BB; r++) { acc[r] += hs[hrow[r] + k] * wk; }
  }
  let bias = params[d.bhh_off + j];
  for (var r = 0u; r < BB; r++) {
    let b = b0 + r;
    if (b >= B) { break; }
    let row = d.t * B + b;
    let pre = acc[r] + bias + xp[row * H + j];
    var h: f32;
    if (d.act == 0u) { h = tanh(clamp(pre, -20.0, 20.0)); } else { h = max(pre, 0.0); }
    hs[(row + B) * H + j] = h;
  }
}
