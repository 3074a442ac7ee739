// One time step t of a recurrent layer, forward, for hidden unit j and BB batch rows from b0: the
// recurrent product s = h_{t-1}·W_hhᵀ + b_hh for every gate at once, then the cell's own update. Shared
// by rnn_forward, gru_forward and lstm_forward; the including kernel binds d, params and hs and declares
//   alias Gates                                    f32, vec3<f32> or vec4<f32>: one lane per gate
//   fn gate_params(o: u32, stride: u32) -> Gates   params[o + g*stride] for each gate g
//   fn cell_update(row: u32, j: u32, s: Gates)     the pointwise update of row t*B + b, unit j
// Dispatched as (H invocations, ceil(B/BB) workgroups in y).
//!include cell
fn cell_forward(j: u32, b0: u32) {
  let H = d.hidden;
  let B = d.batch;
  if (j >= H) { return; }
  var hrow: array<u32, BB>;
  for (var r = 0u; r < BB; r++) { hrow[r] = (d.t * B + min(b0 + r, B - 1u)) * H; }
  var acc: array<Gates, BB>;
  let w = d.whh_off + j * H;
  let HH = H * H;
  for (var k = 0u; k < H; k++) {
    let wv = gate_params(w + k, HH);
    for (var r = 0u; r < BB; r++) { acc[r] += hs[hrow[r] + k] * wv; }
  }
  let bias = gate_params(d.bhh_off + j, H);
  for (var r = 0u; r < BB; r++) {
    let b = b0 + r;
    if (b >= B) { break; }
    cell_update(d.t * B + b, j, acc[r] + bias);
  }
}
