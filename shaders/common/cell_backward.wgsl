// One time step t of a recurrent layer, backward, for 4 hidden units from j0 and BB batch rows from b0:
//   dh = dout_t + hcarry_{t+1} + sum_k dgates_{t+1}[k] * W_hh[k, j]      (k < G = gates*H; slot T is zero)
// then the cell's own gate gradients. Shared by rnn_backward, gru_backward and lstm_backward; the
// including kernel binds d, params, dout, dgates and hcarry and declares
//   fn cell_grad(row: u32, j: u32, dh: f32)    the gate gradients of row t*B + b, unit j
// Each invocation computes BB rows x 4 units: the dgates loads are uniform across the workgroup and
// serve 4 units. Dispatched as (ceil(H/4) invocations, ceil(B/BB) workgroups in y).
//!include cell
fn cell_backward(j0: u32, b0: u32, G: u32) {
  let H = d.hidden;
  let B = d.batch;
  if (j0 >= H) { return; }
  let jl = H - 1u;
  let jc = vec4<u32>(j0, min(j0 + 1u, jl), min(j0 + 2u, jl), min(j0 + 3u, jl));
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
      cell_grad(row, j, acc[r][q] + dout[row * H + j] + hcarry[(row + B) * H + j]);
    }
  }
}
