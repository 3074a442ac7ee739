// lowbias32, the counter hash of src/model/params.ts, bit for bit, so that GPU masks agree with the host
// and the WASM backend.
fn mix32(v: u32) -> u32 {
  var x = v;
  x ^= x >> 16u;
  x *= 0x7feb352du;
  x ^= x >> 15u;
  x *= 0x846ca68bu;
  x ^= x >> 16u;
  return x;
}
