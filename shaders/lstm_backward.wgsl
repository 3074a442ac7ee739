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
// Each invocation computes BB batch rows x 4 hidden units: the dgates loads are uniform across the
// workgroup and serve 4 units, each weight load serves BB rows. Dispatched as (ceil(H/4) invocations,
// ceil(B/BB) workgroups in y).
const BB: u32 = 8u;

@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<storage, read> params: array<f32>;        // flat; W_hh (4H, H) at whh_off
@group(0) @binding(2) var<storage, read> gates: array<f32>;         // (T, B, 4H) saved i, f, g, o
@group(0) @binding(3) var<storage, read> cs: array<f32>;            // (T+1, B, H) saved c (slot t+1 = c_t)
@group(0) @binding(4) var<storage, read> dout: array<f32>;          // (T, B, H) dL/dh_t from the layer above
@group(0) @binding(5) var<storage, read_write> dgates: array<f32>;  // (T+1, B, 4H): reads slot t+1, writes t
@group(0) @binding(6) var<storage, read_write> ccarry: array<f32>;  // (T+1, B, H): reads slot t+1, writes t
@group(0) @binding(7) var<storage, read> hcarry: array<f32>;        // (T+1, B, H): slot T = dL/dh_n, others 0

@compute @workgroup_size(WG)
fn lstm_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let H = d.hidden;
  let B = d.batch;
  let j0 = gid.x * 4u;
  if (j0 >= H) { return; }
  let jl = H - 1u;
  let jc = vec4<u32>(j0, min(j0 + 1u, jl), min(j0 + 2u, jl), min(j0 + 3u, jl));
  let G = 4u * H;
  let b0 = wid.y * BB;
  var nrow: array<u32, BB>;
  for (var r = 0u; r < BB; r++) { nrow[r] = ((d.t + 1u) * B + min(b0 + r, B - 1u)) * G; }
  var acc: array<vec4<f32>, BB>;
  for (var k = 0u; k < G; k++) {
    let wo = d.whh_off + k * H;
    let w = vec4<f32>(params[wo + jc.x], params[wo + jc.y], params[wo + jc.z], params[wo + jc.w]);
    for (var r = 0u; r < BB; r++) { acc[r] += dgates[nrow[r] + k] * w; }
  }
  for (var q = 0u; q < 4u; q++) {
    let j = j0 + q;
    if (j >= H) { break; }
    for (var r = 0u; r < BB; r++) {
      let b = b0 + r;
      if (b >= B) { break; }
      let row = d.t * B + b;
      let hn = (row + B) * H + j;
      let dh = acc[r][q] + dout[row * H + j] + hcarry[hn];
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
  }
}
