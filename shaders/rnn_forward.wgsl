// rnn_forward: one time step t of one vanilla RNN layer, fused:
//   h_t = act(xp_t + h_{t-1}·W_hhᵀ + b_hh),   act = tanh (act = 0) or relu (act = 1)
// xp = W_ih·x_t + b_ih is precomputed for all steps. Saved for rnn_backward: h_t only (slot t+1 of hs),
// since tanh' = 1 - h^2 and relu' = [h > 0]. The tanh input is clamped.
struct Dims { batch: u32, hidden: u32, t: u32, whh_off: u32, bhh_off: u32, act: u32 }

override WG: u32 = 64;

@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<storage, read> xp: array<f32>;        // (T, B, H): W_ih·x_t + b_ih
@group(0) @binding(2) var<storage, read> params: array<f32>;    // flat; W_hh (H, H) at whh_off, b_hh (H) at bhh_off
@group(0) @binding(3) var<storage, read_write> hs: array<f32>;  // (T+1, B, H): slot 0 = h_0; reads slot t, writes t+1

@compute @workgroup_size(WG)
fn rnn_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let H = d.hidden;
  let B = d.batch;
  let idx = gid.x + gid.y * nwg.x * WG;
  if (idx >= B * H) { return; }
  let b = idx / H;
  let j = idx % H;
  let hp = (d.t * B + b) * H;
  let w = d.whh_off + j * H;
  var s = 0.0;
  for (var k = 0u; k < H; k++) { s += hs[hp + k] * params[w + k]; }
  let pre = s + xp[(d.t * B + b) * H + j] + params[d.bhh_off + j];
  var h: f32;
  if (d.act == 0u) { h = tanh(clamp(pre, -20.0, 20.0)); } else { h = max(pre, 0.0); }
  hs[((d.t + 1u) * B + b) * H + j] = h;
}
