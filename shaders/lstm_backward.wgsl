// lstm_backward: one time step t of one LSTM layer, backward (steps run T-1 down to 0). Fused: the
// recurrent part of dh_t (dgates_{t+1}·W_hh) and the gate derivatives from the saved activations.
//   dh  = dout_t + hcarry_{t+1} + sum_k dgates_{t+1}[k] * W_hh[k, j]   (dgates slot T is zero)
//   dc  = ccarry_{t+1} + dh*o*(1 - tanh(c_t)^2)
//   do = dh*tanh(c_t)*o(1-o); di = dc*g*i(1-i); dg = dc*i*(1-g^2); df = dc*c_{t-1}*f(1-f)
//   ccarry_t = dc*f                               (the gradient reaching c_{t-1})
// dgates are pre-activation gradients, shared by the input and recurrent sides (dgi = dgh for LSTM).
// Slot T of ccarry / hcarry holds the gradient w.r.t. the final c_n / h_n (zero in the model: the
// carried state is detached).
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

@compute @workgroup_size(WG)
fn lstm_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let H = d.hidden;
  let B = d.batch;
  let idx = gid.x + gid.y * nwg.x * WG;
  if (idx >= B * H) { return; }
  let b = idx / H;
  let j = idx % H;
  let G = 4u * H;
  let next = ((d.t + 1u) * B + b) * G;
  var s = 0.0;
  for (var k = 0u; k < G; k++) { s += dgates[next + k] * params[d.whh_off + k * H + j]; }
  let row = d.t * B + b;
  let hn = ((d.t + 1u) * B + b) * H + j;
  let dh = s + dout[row * H + j] + hcarry[hn];
  let go = row * G + j;
  let i = gates[go];
  let f = gates[go + H];
  let g = gates[go + 2u * H];
  let o = gates[go + 3u * H];
  let tc = tanh(clamp(cs[hn], -20.0, 20.0));
  let dc = ccarry[hn] + dh * o * (1.0 - tc * tc);
  dgates[go] = dc * g * i * (1.0 - i);
  dgates[go + H] = dc * cs[row * H + j] * f * (1.0 - f);
  dgates[go + 2u * H] = dc * i * (1.0 - g * g);
  dgates[go + 3u * H] = dh * tc * o * (1.0 - o);
  ccarry[row * H + j] = dc * f;
}
