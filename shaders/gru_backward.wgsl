// gru_backward: one time step t of one GRU layer, backward (steps run T-1 down to 0):
//   dh  = dout_t + hcarry_{t+1} + sum_k dgh_{t+1}[k] * W_hh[k, j]      (dgh slot T is zero)
//   dn = dh*(1-z); dz = dh*(h_{t-1} - n);  hcarry_t = dh*z            (the direct path to h_{t-1})
//   da_n = dn*(1-n^2); da_z = dz*z(1-z); da_r = da_n*h_n*r(1-r)
//   dgi_t = [da_r, da_z, da_n]          gradient of W_ih·x_t + b_ih
//   dgh_t = [da_r, da_z, da_n*r]        gradient of h_{t-1}·W_hhᵀ + b_hh
// Reads the saved r, z, n, h_n (gru_forward). Slot T of hcarry holds dL/dh_n (zero in the model).
struct Dims { batch: u32, hidden: u32, t: u32, whh_off: u32 }

override WG: u32 = 64;
// Each invocation computes BB batch rows x 4 hidden units: the dgates loads are uniform across the
// workgroup and serve 4 units, each weight load serves BB rows. Dispatched as (ceil(H/4) invocations,
// ceil(B/BB) workgroups in y).
const BB: u32 = 8u;

@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<storage, read> params: array<f32>;        // flat; W_hh (3H, H) at whh_off
@group(0) @binding(2) var<storage, read> gates: array<f32>;         // (T, B, 4H) saved r, z, n, h_n
@group(0) @binding(3) var<storage, read> hs: array<f32>;            // (T+1, B, H) saved h (slot t = h_{t-1})
@group(0) @binding(4) var<storage, read> dout: array<f32>;          // (T, B, H) dL/dh_t from the layer above
@group(0) @binding(5) var<storage, read_write> dgh: array<f32>;     // (T+1, B, 3H): reads slot t+1, writes t
@group(0) @binding(6) var<storage, read_write> dgi: array<f32>;     // (T, B, 3H): writes slot t
@group(0) @binding(7) var<storage, read_write> hcarry: array<f32>;  // (T+1, B, H): reads slot t+1, writes t

@compute @workgroup_size(WG)
fn gru_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let H = d.hidden;
  let B = d.batch;
  let j0 = gid.x * 4u;
  if (j0 >= H) { return; }
  let jl = H - 1u;
  let jc = vec4<u32>(j0, min(j0 + 1u, jl), min(j0 + 2u, jl), min(j0 + 3u, jl));
  let G = 3u * H;
  let b0 = wid.y * BB;
  var nrow: array<u32, BB>;
  for (var r = 0u; r < BB; r++) { nrow[r] = ((d.t + 1u) * B + min(b0 + r, B - 1u)) * G; }
  var acc: array<vec4<f32>, BB>;
  for (var k = 0u; k < G; k++) {
    let wo = d.whh_off + k * H;
    let w = vec4<f32>(params[wo + jc.x], params[wo + jc.y], params[wo + jc.z], params[wo + jc.w]);
    for (var r = 0u; r < BB; r++) { acc[r] += dgh[nrow[r] + k] * w; }
  }
  for (var q = 0u; q < 4u; q++) {
    let j = j0 + q;
    if (j >= H) { break; }
    for (var r = 0u; r < BB; r++) {
      let b = b0 + r;
      if (b >= B) { break; }
      let row = d.t * B + b;
      let dh = acc[r][q] + dout[row * H + j] + hcarry[(row + B) * H + j];
      let go = row * 4u * H + j;
      let rg = gates[go];
      let z = gates[go + H];
      let n = gates[go + 2u * H];
      let hn = gates[go + 3u * H];
      let da_n = dh * (1.0 - z) * (1.0 - n * n);
      let da_z = dh * (hs[row * H + j] - n) * z * (1.0 - z);
      let da_r = da_n * hn * rg * (1.0 - rg);
      hcarry[row * H + j] = dh * z;
      let o = row * G + j;
      dgi[o] = da_r;
      dgi[o + H] = da_z;
      dgi[o + 2u * H] = da_n;
      dgh[o] = da_r;
      dgh[o + H] = da_z;
      dgh[o + 2u * H] = da_n * rg;
    }
  }
}
