// The counter-based generator shared with the host (src/model/params.ts): lowbias32 (Chris Wellons) mixes
// a 32-bit counter with a stream key, so draw number i of a stream is a pure function of (seed, i). That
// makes sampling and batch order reproducible, resumable from a counter, and identical in every engine.

/** lowbias32; must equal mix32 in src/model/params.ts bit for bit (test/text/rng.test.ts checks it). */
// @ts-ignore: decorator
@inline export function mix32(x: u32): u32 {
  x ^= x >>> 16;
  x *= 0x7feb352d;
  x ^= x >>> 15;
  x *= 0x846ca68b;
  return x ^ (x >>> 16);
}

/** Uniform in [0, 1) with 24 random bits: counterUniform(stream, index) of src/model/params.ts. */
// @ts-ignore: decorator
@inline export function counterUniform(stream: u32, index: u32): f64 {
  return <f64>(mix32(index ^ mix32(stream)) >>> 8) / 16777216.0;
}

/** Integer in [0, range) from draw `index` of `key`'s stream (multiply-high, as Lemire without rejection). */
// @ts-ignore: decorator
@inline export function counterBelow(key: u32, index: u32, range: u32): u32 {
  return <u32>((<u64>mix32(index ^ key) * <u64>range) >>> 32);
}

/** Exported for the host's test that both implementations agree. */
export function rng_mix32(x: u32): u32 {
  return mix32(x);
}
