// gru_forward: one time step t of one GRU layer, fused (PyTorch gate order r, z, n):
//   [a_r, a_z, a_n] = xp_t                         (W_ih·x_t + b_ih, precomputed for all steps)
//   [h_r, h_z, h_n] = h_{t-1}·W_hhᵀ + b_hh
//   r = sigmoid(a_r + h_r), z = sigmoid(a_z + h_z), n = tanh(a_n + r*h_n)
//   h_t = (1 - z)*n + z*h_{t-1}
// Saved for gru_backward: r, z, n and h_n (the recurrent part of n's input, which dr needs) in
// gates (T, B, 4H), and h_t in slot t+1 of hs. Inputs to exp/tanh are clamped.
//!include cell_forward
//!include activations
struct Dims { batch: u32, hidden: u32, t: u32, whh_off: u32, bhh_off: u32 }

override WG: u32 = 64;

@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<storage, read> xp: array<f32>;           // (T, B, 3H): W_ih·x_t + b_ih
@group(0) @binding(2) var<storage, read> params: array<f32>;       // flat; W_hh (3H, H) at whh_off, b_hh (3H) at bhh_off
@group(0) @binding(3) var<storage, read_write> hs: array<f32>;     // (T+1, B, H): slot 0 = h_0; reads slot t, writes t+1
@group(0) @binding(4) var<storage, read_write> gates: array<f32>;  // (T, B, 4H): r, z, n, h_n

alias Gates = vec3<f32>;
fn gate_params(o: u32, stride: u32) -> Gates { return vec3<f32>(params[o], params[o + stride], params[o + 2u * stride]); }

fn cell_update(row: u32, j: u32, s: Gates) {
  let H = d.hidden;
  let xo = row * 3u * H + j;
  let rg = sigmoid(xp[xo] + s.x);
  let z = sigmoid(xp[xo + H] + s.y);
  let n = tanh_c(xp[xo + 2u * H] + rg * s.z);
  hs[(row + d.batch) * H + j] = (1.0 - z) * n + z * hs[row * H + j];
  let go = row * 4u * H + j;
  gates[go] = rg;
  gates[go + H] = z;
  gates[go + 2u * H] = n;
  gates[go + 3u * H] = s.z;
}

@compute @workgroup_size(WG)
fn gru_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  cell_forward(gid.x, wid.y * BB);
}
