// Dropout keep masks, exactly src/model/params.ts dropoutUniform(seed, step, layer, index) so every
// backend drops the same units: u = (mix32(index ^ stream) >>> 8) / 2^24, keep when u >= p.

// @ts-ignore: decorator
@inline
function mix32(x: u32): u32 {
  x ^= x >>> 16;
  x *= 0x7feb352d;
  x ^= x >>> 15;
  x *= 0x846ca68b;
  x ^= x >>> 16;
  return x;
}

/** mask[i] = scale when kept, else 0, for i in [0, n), i = (t*B + b)*H + j. */
export function dropoutMask(mask: usize, seed: u32, step: u32, layer: u32, n: i32, p: f64, scale: f32): void {
  dropoutMaskRange(mask, seed, step, layer, n, p, scale, 0, n);
}

/** Elements [i0, i1) of dropoutMask() (each a function of its index alone: threads split anywhere). */
export function dropoutMaskRange(mask: usize, seed: u32, step: u32, layer: u32, n: i32, p: f64, scale: f32,
  i0: i32, i1: i32): void {
  const stream = mix32(layer ^ mix32(step ^ mix32(seed)));
  for (let i = i0; i < i1; i++) {
    const u = <f64>(mix32(<u32>i ^ stream) >>> 8) / 16777216.0;
    store<f32>(mask + ((<usize>i) << 2), u >= p ? scale : 0);
  }
}
