// gru_forward: one time step t of one GRU layer, fused (PyTorch gate order r, z, n):
//   [a_r, a_z, a_n] = xp_t                         (W_ih·x_t + b_ih, precomputed for all steps)
//   [h_r, h_z, h_n] = h_{t-1}·W_hhᵀ + b_hh
//   r = sigmoid(a_r + h_r), z = sigmoid(a_z + h_z), n = tanh(a_n + r*h_n)
//   h_t = (1 - z)*n + z*h_{t-1}
// Saved for gru_backward: r, z, n and h_n (the recurrent part of n's input, which dr needs) in
// gates (T, B, 4H), and h_t in slot t+1 of hs. Inputs to exp/tanh are clamped.
struct Dims { batch: u32, hidden: u32, t: u32, whh_off: u32, bhh_off: u32 }

override WG: u32 = 64;

@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<storage, read> xp: array<f32>;           // (T, B, 3H): W_ih·x_t + b_ih
@group(0) @binding(2) var<storage, read> params: array<f32>;       // flat; W_hh (3H, H) at whh_off, b_hh (3H) at bhh_off
@group(0) @binding(3) var<storage, read_write> hs: array<f32>;     // (T+1, B, H): slot 0 = h_0; reads slot t, writes t+1
@group(0) @binding(4) var<storage, read_write> gates: array<f32>;  // (T, B, 4H): r, z, n, h_n

fn sigmoid(x: f32) -> f32 { return 1.0 / (1.0 + exp(-clamp(x, -80.0, 80.0))); }

@compute @workgroup_size(WG)
fn gru_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let H = d.hidden;
  let B = d.batch;
  let idx = gid.x + gid.y * nwg.x * WG;
  if (idx >= B * H) { return; }
  let b = idx / H;
  let j = idx % H;
  let hp = (d.t * B + b) * H;
  var s = vec3<f32>(0.0);
  let w = d.whh_off + j * H;
  for (var k = 0u; k < H; k++) {
    let h = hs[hp + k];
    s += h * vec3<f32>(params[w + k], params[w + H * H + k], params[w + 2u * H * H + k]);
  }
  let row = d.t * B + b;
  let xo = row * 3u * H + j;
  let bo = d.bhh_off + j;
  let r = sigmoid(xp[xo] + s.x + params[bo]);
  let z = sigmoid(xp[xo + H] + s.y + params[bo + H]);
  let hn = s.z + params[bo + 2u * H];
  let n = tanh(clamp(xp[xo + 2u * H] + r * hn, -20.0, 20.0));
  hs[((d.t + 1u) * B + b) * H + j] = (1.0 - z) * n + z * hs[hp + j];
  let go = row * 4u * H + j;
  gates[go] = r;
  gates[go + H] = z;
  gates[go + 2u * H] = n;
  gates[go + 3u * H] = hn;
}
