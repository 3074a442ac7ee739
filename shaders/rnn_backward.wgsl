// rnn_backward: one time step t of one vanilla RNN layer, backward (steps run T-1 down to 0):
//   dh   = dout_t + hcarry_{t+1} + sum_k dgates_{t+1}[k] * W_hh[k, j]   (dgates slot T is zero)
//   dpre = dh * (1 - h_t^2)   (tanh)   or   dh * [h_t > 0]   (relu)
// dgates are the pre-activation gradients, shared by the input and recurrent sides. Slot T of hcarry
// holds dL/dh_n (zero in the model: the carried state is detached).
//!include cell_backward
//!include activations
struct Dims { batch: u32, hidden: u32, t: u32, whh_off: u32, act: u32 }

override WG: u32 = 64;

@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<storage, read> params: array<f32>;        // flat; W_hh (H, H) at whh_off
@group(0) @binding(2) var<storage, read> hs: array<f32>;            // (T+1, B, H) saved h (slot t+1 = h_t)
@group(0) @binding(3) var<storage, read> dout: array<f32>;          // (T, B, H) dL/dh_t from the layer above
@group(0) @binding(4) var<storage, read_write> dgates: array<f32>;  // (T+1, B, H): reads slot t+1, writes t
@group(0) @binding(5) var<storage, read> hcarry: array<f32>;        // (T+1, B, H): slot T = dL/dh_n, others 0

fn cell_grad(row: u32, j: u32, dh: f32) {
  let h = hs[(row + d.batch) * d.hidden + j];
  var dpre: f32;
  if (d.act == 0u) { dpre = tanh_grad(dh, h); } else { dpre = select(0.0, dh, h > 0.0); }
  dgates[row * d.hidden + j] = dpre;
}

@compute @workgroup_size(WG)
fn rnn_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  cell_backward(gid.x * 4u, wid.y * BB, d.hidden);
}
