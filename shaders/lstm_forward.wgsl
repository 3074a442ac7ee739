// lstm_forward: one time step t of one LSTM layer, fused: the recurrent product h_{t-1}·W_hhᵀ, the
// gates and the state update. The input side W_ih·x_t + b_ih comes precomputed for all steps in xp.
//   [i, f, g, o] = xp_t + h_{t-1}·W_hhᵀ + b_hh            (PyTorch gate order i, f, g, o)
//   i, f, o = sigmoid(.), g = tanh(.)
//   c_t = f*c_{t-1} + i*g,   h_t = o*tanh(c_t)
// Saved for lstm_backward: the post-activation gates (T, B, 4H) and every c_t, h_t (slots t+1 of cs, hs).
// Inputs to exp/tanh are clamped: large values give NaN on some drivers.
struct Dims { batch: u32, hidden: u32, t: u32, whh_off: u32, bhh_off: u32 }

override WG: u32 = 64;
// Batch rows per invocation: the h (or dgates) loads are uniform across the workgroup and each weight
// load serves BB rows. Dispatched as (H invocations, ceil(B/BB) workgroups in y).
const BB: u32 = 8u;

@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<storage, read> xp: array<f32>;           // (T, B, 4H): W_ih·x_t + b_ih
@group(0) @binding(2) var<storage, read> params: array<f32>;       // flat; W_hh (4H, H) at whh_off, b_hh (4H) at bhh_off
@group(0) @binding(3) var<storage, read_write> hs: array<f32>;     // (T+1, B, H): slot 0 = h_0; reads slot t, writes t+1
@group(0) @binding(4) var<storage, read_write> cs: array<f32>;     // (T+1, B, H): likewise for c
@group(0) @binding(5) var<storage, read_write> gates: array<f32>;  // (T, B, 4H): i, f, g, o after activation

fn sigmoid(x: f32) -> f32 { return 1.0 / (1.0 + exp(-clamp(x, -80.0, 80.0))); }
fn tanh_c(x: f32) -> f32 { return tanh(clamp(x, -20.0, 20.0)); }

@compute @workgroup_size(WG)
fn lstm_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let H = d.hidden;
  let B = d.batch;
  let j = gid.x;
  if (j >= H) { return; }
  let b0 = wid.y * BB;
  var hrow: array<u32, BB>;
  for (var r = 0u; r < BB; r++) { hrow[r] = (d.t * B + min(b0 + r, B - 1u)) * H; }
  var acc: array<vec4<f32>, BB>;
  let w = d.whh_off + j * H;
  let HH = H * H;
  for (var k = 0u; k < H; k++) {
    let wv = vec4<f32>(params[w + k], params[w + HH + k], params[w + 2u * HH + k], params[w + 3u * HH + k]);
    for (var r = 0u; r < BB; r++) { acc[r] += hs[hrow[r] + k] * wv; }
  }
  let bo = d.bhh_off + j;
  let bias = vec4<f32>(params[bo], params[bo + H], params[bo + 2u * H], params[bo + 3u * H]);
  for (var r = 0u; r < BB; r++) {
    let b = b0 + r;
    if (b >= B) { break; }
    let row = d.t * B + b;
    let xo = row * 4u * H + j;
    let s = acc[r] + bias + vec4<f32>(xp[xo], xp[xo + H], xp[xo + 2u * H], xp[xo + 3u * H]);
    let i = sigmoid(s.x);
    let f = sigmoid(s.y);
    let g = tanh_c(s.z);
    let o = sigmoid(s.w);
    let c = f * cs[row * H + j] + i * g;
    let out = (row + B) * H + j;
    cs[out] = c;
    hs[out] = o * tanh_c(c);
    gates[xo] = i;
    gates[xo + H] = f;
    gates[xo + 2u * H] = g;
    gates[xo + 3u * H] = o;
  }
}
