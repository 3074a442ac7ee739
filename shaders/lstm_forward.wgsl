// lstm_forward: one time step t of one LSTM layer, fused: the recurrent product h_{t-1}·W_hhᵀ, the
// gates and the state update. The input side W_ih·x_t + b_ih comes precomputed for all steps in xp.
//   [i, f, g, o] = xp_t + h_{t-1}·W_hhᵀ + b_hh            (PyTorch gate order i, f, g, o)
//   i, f, o = sigmoid(.), g = tanh(.)
//   c_t = f*c_{t-1} + i*g,   h_t = o*tanh(c_t)
// Saved for lstm_backward: the post-activation gates (T, B, 4H) and every c_t, h_t (slots t+1 of cs, hs).
//!include cell_forward
//!include activations
struct Dims { batch: u32, hidden: u32, t: u32, whh_off: u32, bhh_off: u32 }

override WG: u32 = 64;

@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<storage, read> xp: array<f32>;           // (T, B, 4H): W_ih·x_t + b_ih
@group(0) @binding(2) var<storage, read> params: array<f32>;       // flat; W_hh (4H, H) at whh_off, b_hh (4H) at bhh_off
@group(0) @binding(3) var<storage, read_write> hs: array<f32>;     // (T+1, B, H): slot 0 = h_0; reads slot t, writes t+1
@group(0) @binding(4) var<storage, read_write> cs: array<f32>;     // (T+1, B, H): likewise for c
@group(0) @binding(5) var<storage, read_write> gates: array<f32>;  // (T, B, 4H): i, f, g, o after activation

alias Gates = vec4<f32>;
fn gate_params(o: u32, stride: u32) -> Gates {
  return vec4<f32>(params[o], params[o + stride], params[o + 2u * stride], params[o + 3u * stride]);
}

fn cell_update(row: u32, j: u32, s: Gates) {
  let H = d.hidden;
  let xo = row * 4u * H + j;
  let a = s + vec4<f32>(xp[xo], xp[xo + H], xp[xo + 2u * H], xp[xo + 3u * H]);
  let i = sigmoid(a.x);
  let f = sigmoid(a.y);
  let g = tanh_c(a.z);
  let o = sigmoid(a.w);
  let c = f * cs[row * H + j] + i * g;
  let out = (row + d.batch) * H + j;
  cs[out] = c;
  hs[out] = o * tanh_c(c);
  gates[xo] = i;
  gates[xo + H] = f;
  gates[xo + 2u * H] = g;
  gates[xo + 3u * H] = o;
}

@compute @workgroup_size(WG)
fn lstm_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  cell_forward(gid.x, wid.y * BB);
}
