// Vector activations shared by the cells, 4 lanes at a time, with plain mul/add (never the relaxed FMA)
// so both builds produce identical activations. `ld`/`st` move 4 lanes, or 1 lane for the tail of a row
// whose length is not a multiple of 4: the same code path computes both, so results do not depend on H.
//
// exp: Cephes expf (range reduction by ln 2 in two parts, degree-6 polynomial, ~1 ulp), input clamped
//   to [-87.3, 88.3] so magnitude-100 pre-activations saturate instead of giving Inf/NaN.
// sigmoid(x) = 1 / (1 + exp(-x)) (full relative accuracy in both tails).
// tanh: Eigen's float rational approximation (|error| < 4e-7), input clamped to +-7.905 where it is +-1
//   in f32.

// @ts-ignore: decorator
@inline
export function ld(p: usize, wide: bool): v128 {
  return wide ? v128.load(p) : v128.load32_splat(p);
}

// @ts-ignore: decorator
@inline
export function st(p: usize, v: v128, wide: bool): void {
  if (wide) v128.store(p, v);
  else v128.store32_lane(p, v, 0);
}

// @ts-ignore: decorator
@inline
function mul(a: v128, b: v128): v128 {
  return f32x4.mul(a, b);
}

// @ts-ignore: decorator
@inline
function add(a: v128, b: v128): v128 {
  return f32x4.add(a, b);
}

// @ts-ignore: decorator
@inline
function sp(x: f32): v128 {
  return f32x4.splat(x);
}

/**
 * v clamped to [lo, hi] with pmax/pmin (one x86 instruction each; min/max's NaN and signed-zero rules
 * take several): the same for every v here - a NaN v stays NaN (pmax(v, lo) and pmin(x, hi) return their
 * first operand when a comparison is false), and the bounds are far from zero.
 */
// @ts-ignore: decorator
@inline
function clamp(v: v128, lo: f32, hi: f32): v128 {
  return f32x4.pmin(f32x4.pmax(v, sp(lo)), sp(hi));
}

// @ts-ignore: decorator
@inline
export function exp4(v: v128): v128 {
  const x0 = clamp(v, -87.3, 88.3);
  const n = f32x4.floor(add(mul(x0, sp(1.44269504088896341)), sp(0.5)));
  let x = f32x4.sub(x0, mul(n, sp(0.693359375)));
  x = f32x4.sub(x, mul(n, sp(-2.12194440e-4)));
  let p = sp(1.9875691500e-4);
  p = add(mul(p, x), sp(1.3981999507e-3));
  p = add(mul(p, x), sp(8.3334519073e-3));
  p = add(mul(p, x), sp(4.1665795894e-2));
  p = add(mul(p, x), sp(1.6666665459e-1));
  p = add(mul(p, x), sp(5.0000001201e-1));
  p = add(add(mul(p, mul(x, x)), x), sp(1));
  // 2^n as bits: n + 1.5 * 2^23 holds the integer n (|n| <= 127) in its low mantissa bits, which is
  // trunc_sat(n) + 127 without trunc_sat's five x86 instructions; NaN stays NaN through p * scale.
  const biased = i32x4.sub(f32x4.add(n, sp(12582912)), i32x4.splat(0x4b400000 - 127));
  const scale = i32x4.shl(biased, 23);
  return mul(p, scale);
}

// @ts-ignore: decorator
@inline
export function sigmoid4(v: v128): v128 {
  return f32x4.div(sp(1), add(sp(1), exp4(f32x4.neg(v))));
}

// @ts-ignore: decorator
@inline
export function tanh4(v: v128): v128 {
  const x = clamp(v, -7.90531110763549805, 7.90531110763549805);
  const x2 = mul(x, x);
  let p = sp(-2.76076847742355e-16);
  p = add(mul(p, x2), sp(2.00018790482477e-13));
  p = add(mul(p, x2), sp(-8.60467152213735e-11));
  p = add(mul(p, x2), sp(5.12229709037114e-08));
  p = add(mul(p, x2), sp(1.48572235717979e-05));
  p = add(mul(p, x2), sp(6.37261928875436e-04));
  p = add(mul(p, x2), sp(4.89352455891786e-03));
  p = mul(p, x);
  let q = sp(1.19825839466702e-06);
  q = add(mul(q, x2), sp(1.18534705686654e-04));
  q = add(mul(q, x2), sp(2.26843463243900e-03));
  q = add(mul(q, x2), sp(4.89352518554385e-03));
  return f32x4.div(p, q);
}
