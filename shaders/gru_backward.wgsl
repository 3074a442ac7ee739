// gru_backward: one time step t of one GRU layer, backward (steps run T-1 down to 0):
//   dh  = dout_t + hcarry_{t+1} + sum_k dgates_{t+1}[k] * W_hh[k, j]   (dgates slot T is zero)
//   dn = dh*(1-z); dz = dh*(h_{t-1} - n);  hcarry_t = dh*z            (the direct path to h_{t-1})
//   da_n = dn*(1-n^2); da_z = dz*z(1-z); da_r = da_n*h_n*r(1-r)
//   dgi_t    = [da_r, da_z, da_n]          gradient of W_ih·x_t + b_ih
//   dgates_t = [da_r, da_z, da_n*r]        gradient of h_{t-1}·W_hhᵀ + b_hh (the recurrent side)
// Reads the saved r, z, n, h_n (gru_forward). Slot T of hcarry holds dL/dh_n (zero in the model).
//!include cell_backward
//!include activations
struct Dims { batch: u32, hidden: u32, t: u32, whh_off: u32 }

override WG: u32 = 64;

@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<storage, read> params: array<f32>;        // flat; W_hh (3H, H) at whh_off
@group(0) @binding(2) var<storage, read> gates: array<f32>;         // (T, B, 4H) saved r, z, n, h_n
@group(0) @binding(3) var<storage, read> hs: array<f32>;            // (T+1, B, H) saved h (slot t = h_{t-1})
@group(0) @binding(4) var<storage, read> dout: array<f32>;          // (T, B, H) dL/dh_t from the layer above
@group(0) @binding(5) var<storage, read_write> dgates: array<f32>;  // (T+1, B, 3H): reads slot t+1, writes t
@group(0) @binding(6) var<storage, read_write> dgi: array<f32>;     // (T, B, 3H): writes slot t
@group(0) @binding(7) var<storage, read_write> hcarry: array<f32>;  // (T+1, B, H): reads slot t+1, writes t

fn cell_grad(row: u32, j: u32, dh: f32) {
  let H = d.hidden;
  let go = row * 4u * H + j;
  let rg = gates[go];
  let z = gates[go + H];
  let n = gates[go + 2u * H];
  let hn = gates[go + 3u * H];
  let da_n = tanh_grad(dh * (1.0 - z), n);
  let da_z = sigmoid_grad(dh * (hs[row * H + j] - n), z);
  let da_r = sigmoid_grad(da_n * hn, rg);
  hcarry[row * H + j] = dh * z;
  let o = row * 3u * H + j;
  dgi[o] = da_r;
  dgi[o + H] = da_z;
  dgi[o + 2u * H] = da_n;
  dgates[o] = da_r;
  dgates[o + H] = da_z;
  dgates[o + 2u * H] = da_n * rg;
}

@compute @workgroup_size(WG)
fn gru_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  cell_backward(gid.x * 4u, wid.y * BB, 3u * d.hidden);
}
