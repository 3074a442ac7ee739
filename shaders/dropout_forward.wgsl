// dropout_forward: inverted dropout on the output of layer `layer` (every layer but the last), training only:
//   out[i] = in[i] * (u(i) >= p ? 1/(1-p) : 0),   i = (t*B + b)*H + j
// u is dropoutUniform(seed, step, layer, i) of src/model/params.ts: lowbias32 counter hashing, ported
// here bit for bit so that masks agree with the host and the WASM backend. `u >= p` is tested on the
// integers: (hash >> 8) >= keep_from, keep_from = ceil(p * 2^24), exact where a float compare is not.
// Nothing is saved: dropout_backward recomputes the mask.
struct Dims { count: u32, in_off: u32, out_off: u32, layer: u32, seed: u32, keep_from: u32, scale: f32 }
struct Step { lr: f32, clip: f32, beta1: f32, beta2: f32, eps: f32, step_size: f32, bc2_sqrt: f32, counter: u32, accumulate: u32 }

override WG: u32 = 64;

@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<uniform> st: Step;
@group(0) @binding(2) var<storage, read> inp: array<f32>;         // (T, B, H) at in_off
@group(0) @binding(3) var<storage, read_write> out: array<f32>;   // (T, B, H) at out_off

fn mix32(v: u32) -> u32 {
  var x = v;
  x ^= x >> 16u;
  x *= 0x7feb352du;
  x ^= x >> 15u;
  x *= 0x846ca68bu;
  x ^= x >> 16u;
  return x;
}

@compute @workgroup_size(WG)
fn dropout_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= d.count) { return; }
  let stream = mix32(d.layer ^ mix32(st.counter ^ mix32(d.seed)));
  let keep = (mix32(i ^ stream) >> 8u) >= d.keep_from;
  out[d.out_off + i] = select(0.0, inp[d.in_off + i] * d.scale, keep);
}
