// rnn_forward: one time step t of one vanilla RNN layer, fused:
//   h_t = act(xp_t + h_{t-1}·W_hhᵀ + b_hh),   act = tanh (act = 0) or relu (act = 1)
// xp = W_ih·x_t + b_ih is precomputed for all steps. Saved for rnn_backward: h_t only (slot t+1 of hs),
// since tanh' = 1 - h^2 and relu' = [h > 0]. The tanh input is clamped.
//!include cell_forward
//!include activations
struct Dims { batch: u32, hidden: u32, t: u32, whh_off: u32, bhh_off: u32, act: u32 }

override WG: u32 = 64;

@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<storage, read> xp: array<f32>;        // (T, B, H): W_ih·x_t + b_ih
@group(0) @binding(2) var<storage, read> params: array<f32>;    // flat; W_hh (H, H) at whh_off, b_hh (H) at bhh_off
@group(0) @binding(3) var<storage, read_write> hs: array<f32>;  // (T+1, B, H): slot 0 = h_0; reads slot t, writes t+1

alias Gates = f32;
fn gate_params(o: u32, stride: u32) -> Gates { return params[o]; }

fn cell_update(row: u32, j: u32, s: Gates) {
  let pre = s + xp[row * d.hidden + j];
  var h: f32;
  if (d.act == 0u) { h = tanh_c(pre); } else { h = max(pre, 0.0); }
  hs[(row + d.batch) * d.hidden + j] = h;
}

@compute @workgroup_size(WG)
fn rnn_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  cell_forward(gid.x, wid.y * BB);
}
