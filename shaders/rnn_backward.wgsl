// rnn_backward: one time step t of one vanilla RNN layer, backward (steps run T-1 down to 0):
//   dh   = dout_t + hcarry_{t+1} + sum_k dgates_{t+1}[k] * W_hh[k, j]   (dgates slot T is zero)
//   dpre = dh * (1 - h_t^2)   (tanh)   or   dh * [h_t > 0]   (relu)
// dgates are the pre-activation gradients, shared by the input and recurrent sides. Slot T of hcarry
// holds dL/dh_n (zero in the model: the carried state is detached).
struct Dims { batch: u32, hidden: u32, t: u32, whh_off: u32, act: u32 }

override WG: u32 = 64;
// Each invocation computes BB batch rows x 4 hidden units: the dgates loads are uniform across the
// workgroup and serve 4 units, each weight load serves BB rows. Dispatched as (ceil(H/4) invocations,
// ceil(B/BB) workgroups in y).
const BB: u32 = 8u;

@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<storage, read> params: array<f32>;        // flat; W_hh (H, H) at whh_off
@group(0) @binding(2) var<storage, read> hs: array<f32>;            // (T+1, B, H) saved h (slot t+1 = h_t)
@group(0) @binding(3) var<storage, read> dout: array<f32>;          // (T, B, H) dL/dh_t from the layer above
@group(0) @binding(4) var<storage, read_write> dgates: array<f32>;  // (T+1, B, H): reads slot t+1, writes t
@group(0) @binding(5) var<storage, read> hcarry: array<f32>;        // (T+1, B, H): slot T = dL/dh_n, others 0

@compute @workgroup_size(WG)
fn rnn_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let H = d.hidden;
  let B = d.batch;
  let j0 = gid.x * 4u;
  if (j0 >= H) { return; }
  let jl = H - 1u;
  let jc = vec4<u32>(j0, min(j0 + 1u, jl), min(j0 + 2u, jl), min(j0 + 3u, jl));
  let b0 = wid.y * BB;
  var nrow: array<u32, BB>;
  for (var r = 0u; r < BB; r++) { nrow[r] = ((d.t + 1u) * B + min(b0 + r, B - 1u)) * H; }
  var acc: array<vec4<f32>, BB>;
  for (var k = 0u; k < H; k++) {
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
      let h = hs[hn];
      var dpre: f32;
      if (d.act == 0u) { dpre = dh * (1.0 - h * h); } else { dpre = select(0.0, dh, h > 0.0); }
      dgates[row * H + j] = dpre;
    }
  }
}
