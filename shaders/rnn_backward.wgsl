// rnn_backward: one time step t of one vanilla RNN layer, backward (steps run T-1 down to 0):
//   dh   = dout_t + hcarry_{t+1} + sum_k dgates_{t+1}[k] * W_hh[k, j]   (dgates slot T is zero)
//   dpre = dh * (1 - h_t^2)   (tanh)   or   dh * [h_t > 0]   (relu)
// dgates are the pre-activation gradients, shared by the input and recurrent sides. Slot T of hcarry
// holds dL/dh_n (zero in the model: the carried state is detached).
struct Dims { batch: u32, hidden: u32, t: u32, whh_off: u32, act: u32 }

override WG: u32 = 64;

@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<storage, read> params: array<f32>;        // flat; W_hh (H, H) at whh_off
@group(0) @binding(2) var<storage, read> hs: array<f32>;            // (T+1, B, H) saved h (slot t+1 = h_t)
@group(0) @binding(3) var<storage, read> dout: array<f32>;          // (T, B, H) dL/dh_t from the layer above
@group(0) @binding(4) var<storage, read_write> dgates: array<f32>;  // (T+1, B, H): reads slot t+1, writes t
@group(0) @binding(5) var<storage, read> hcarry: array<f32>;        // (T+1, B, H): slot T = dL/dh_n, others 0

@compute @workgroup_size(WG)
fn rnn_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let H = d.hidden;
  let B = d.batch;
  let idx = gid.x + gid.y * nwg.x * WG;
  if (idx >= B * H) { return; }
  let b = idx / H;
  let j = idx % H;
  let next = ((d.t + 1u) * B + b) * H;
  var s = 0.0;
  for (var k = 0u; k < H; k++) { s += dgates[next + k] * params[d.whh_off + k * H + j]; }
  let row = d.t * B + b;
  let hn = next + j;
  let dh = s + dout[row * H + j] + hcarry[hn];
  let h = hs[hn];
  var dpre: f32;
  if (d.act == 0u) { dpre = dh * (1.0 - h * h); } else { dpre = select(0.0, dh, h > 0.0); }
  dgates[row * H + j] = dpre;
}
