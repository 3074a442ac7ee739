// Inverted dropout, shared by dropout_forward and dropout_backward (the backward pass applies the same
// mask to the gradient): x * (u >= p ? 1/(1-p) : 0), u = dropoutUniform(seed, step, layer, i) of
// src/model/params.ts with step = st.counter. `u >= p` is tested on the integers:
// (hash >> 8) >= keep_from, keep_from = ceil(p * 2^24), exact where a float compare is not.
//!include step
//!include rng
struct Dims { count: u32, in_off: u32, out_off: u32, layer: u32, seed: u32, keep_from: u32, scale: f32 }

fn dropout(i: u32, x: f32) -> f32 {
  let stream = mix32(d.layer ^ mix32(st.counter ^ mix32(d.seed)));
  let keep = (mix32(i ^ stream) >> 8u) >= d.keep_from;
  return select(0.0, x * d.scale, keep);
}
