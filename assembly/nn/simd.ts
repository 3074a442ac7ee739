// Shared SIMD helpers. `madd` is a*b + c: a fused relaxed-SIMD FMA in build/nn-relaxed.wasm, and an
// unfused multiply then add in build/nn.wasm (ASC_FEATURE_RELAXED_SIMD is a compile-time constant, so
// the other branch is never compiled).

// @ts-ignore: decorator
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}

/** madd on one f32, rounded as madd rounds its lanes: scalar tails of a kernel then match its vectors. */
// @ts-ignore: decorator
@inline
export function maddf(a: f32, b: f32, c: f32): f32 {
  return f32x4.extract_lane(madd(f32x4.splat(a), f32x4.splat(b), f32x4.splat(c)), 0);
}
