// lstm_backward: one time step t of one LSTM layer, backward (steps run T-1 down to 0). Fused: the
// recurrent part of dh_t (dgates_{t+1}·W_hh) and the gate derivatives from the saved activations.
//   dh  = dout_t + hcarry_{t+1} + sum_k dgates_{t+1}[k] * W_hh[k, j]   (dgates slot T is zero)
//   dc  = ccarry_{t+1} + dh*o*(1 - tanh(c_t)^2)
//   do = dh*tanh(c_t)*o(1-o); di = dc*g*i(1-i); dg = dc*i*(1-g^2); df = dc*c_{t-1}*f(1-f)
//   ccarry_t = dc*f                               (the gradient reaching c_{t-1})
// dgates are pre-activation gradients, shared by the input and recurrent sides (dgi = dgh for LSTM).
// Slot T of ccarry / hcarry holds the gradient w.r.t. the final c_n / h_n (zero in the model: the
// carried state is detached).
//!include cell_backward
//!include activations
struct Dims { batch: u32, hidden: u32, t: u32, whh_off: u32 }

override WG: u32 = 64;

@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<storage, read> params: array<f32>;        // flat; W_hh (4H, H) at whh_off
@group(0) @binding(2) var<storage, read> gates: array<f32>;         // (T, B, 4H) saved i, f, g, o
@group(0) @binding(3) var<storage, read> cs: array<f32>;            // (T+1, B, H) saved c (slot t+1 = c_t)
@group(0) @binding(4) var<storage, read> dout: array<f32>;          // (T, B, H) dL/dh_t from the layer above
@group(0) @binding(5) var<storage, read_write> dgates: array<f32>;  // (T+1, B, 4H): reads slot t+1, writes t
@group(0) @binding(6) var<storage, read_write> ccarry: array<f32>;  // (T+1, B, H): reads slot t+1, writes t
@group(0) @binding(7) var<storage, read> hcarry: array<f32>;        // (T+1, B, H): slot T = dL/dh_n, others 0

fn cell_grad(row: u32, j: u32, dh: f32) {
  let H = d.hidden;
  let hn = (row + d.batch) * H + j;
  let go = row * 4u * H + j;
  let i = gates[go];
  let f = gates[go + H];
  let g = gates[go + 2u * H];
  let o = gates[go + 3u * H];
  let tc = tanh_c(cs[hn]);
  let dc = ccarry[hn] + tanh_grad(dh * o, tc);
  dgates[go] = sigmoid_grad(dc * g, i);
  dgates[go + H] = sigmoid_grad(dc * cs[row * H + j], f);
  dgates[go + 2u * H] = tanh_grad(dc * i, g);
  dgates[go + 3u * H] = sigmoid_grad(dh * tc, o);
  ccarry[row * H + j] = dc * f;
}

@compute @workgroup_size(WG)
fn lstm_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  cell_backward(gid.x * 4u, wid.y * BB, 4u * d.hidden);
}
