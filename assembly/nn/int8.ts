// Products with int8 weights, for generation from an int8 checkpoint: the weights stay int8 in memory
// (a quarter of the bytes each step streams) and the inputs are quantized per row each step.
//
// W (n, k) is stored row-major as i8 with rows of kp bytes (k rounded up to 16, zero-padded) and n
// rounded up to 4 rows (zero rows, scale 0); W[j][:] = q[j][:] * ws[j]. An input row x (k floats) becomes
// xq = nearest(x / xs) as i16 in [-32767, 32767] with xs = max|x| / 32767, padded to kp with zeros. Then
//   y[i][j] = (f32(sum_k q[j][k] * xq[i][k]) * ws[j]) * xs[i]
// with the integer sum exact: i32x4.dot_i16x8_s over blocks of KB columns, each block's total below 2^31
// (KB * 127 * 32767 < 2^31), converted to f32 and added block after block. Every y[i][j] depends only on
// row i of x and row j of W, so a batch of sequences gives each the bits it would get alone.

const KB: i32 = 512;
const QX: f32 = 32767;

/**
 * xq (rows, kp) i16 and xs (rows) f32 from x (rows, k) f32 with row stride ldx (elements), as above; a
 * row of zeros gets scale 0.
 */
export function quantizeRows(xq: usize, xs: usize, x: usize, ldx: i32, rows: i32, k: i32, kp: i32): void {
  const k4 = k & ~3;
  for (let i = 0; i < rows; i++) {
    const xr = x + ((<usize>i * <usize>ldx) << 2);
    const qr = xq + ((<usize>i * <usize>kp) << 1);
    let mv = f32x4.splat(0);
    let p = 0;
    for (; p < k4; p += 4) mv = f32x4.max(mv, f32x4.abs(v128.load(xr + ((<usize>p) << 2))));
    let m = max(max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
    for (; p < k; p++) m = max(m, abs(load<f32>(xr + ((<usize>p) << 2))));
    const scale: f32 = m / QX;
    store<f32>(xs + ((<usize>i) << 2), scale);
    const inv: f32 = m > 0 ? QX / m : 0;
    const iv = f32x4.splat(inv);
    p = 0;
    for (; p + 8 <= k; p += 8) {
      const a = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(xr + ((<usize>p) << 2)), iv)));
      const b = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(xr + ((<usize>p) << 2), 16), iv)));
      v128.store(qr + ((<usize>p) << 1), i16x8.narrow_i32x4_s(a, b));
    }
    for (; p < k; p++) {
      const v = nearest<f32>(load<f32>(xr + ((<usize>p) << 2)) * inv);
      store<i16>(qr + ((<usize>p) << 1), v == v ? <i16><i32>v : 0); // NaN (an Inf input) -> 0, as trunc_sat
    }
    for (; p < kp; p++) store<i16>(qr + ((<usize>p) << 1), 0);
  }
}

/**
 * y (m, n) with row stride ldy = x . W^T from xq/xs (m rows, quantizeRows) and W as above (n rows
 * padded to a multiple of 4, ws padded likewise). Four rows of W at a time, each row of x against them.
 */
export function qgemm(y: usize, ldy: i32, xq: usize, xs: usize, m: i32, wq: usize, ws: usize, n: i32, kp: i32): void {
  const rw = <usize>kp;
  for (let j = 0; j < n; j += 4) {
    const w0 = wq + <usize>j * rw;
    const scales = v128.load(ws + ((<usize>j) << 2));
    for (let i = 0; i < m; i++) {
      const xr = xq + ((<usize>i * rw) << 1);
      let acc = f32x4.splat(0);
      for (let p0 = 0; p0 < kp; p0 += KB) {
        const p1 = min(kp, p0 + KB);
        let a0 = i32x4.splat(0), a1 = i32x4.splat(0), a2 = i32x4.splat(0), a3 = i32x4.splat(0);
        for (let p = p0; p < p1; p += 16) {
          const xa = xr + ((<usize>p) << 1);
          const lo = v128.load(xa);
          const hi = v128.load(xa, 16);
          const wp = w0 + <usize>p;
          a0 = dot16(a0, wp, lo, hi);
          a1 = dot16(a1, wp + rw, lo, hi);
          a2 = dot16(a2, wp + 2 * rw, lo, hi);
          a3 = dot16(a3, wp + 3 * rw, lo, hi);
        }
        acc = f32x4.add(acc, f32x4.convert_i32x4_s(rowTotals(a0, a1, a2, a3)));
      }
      const out = f32x4.mul(f32x4.mul(acc, scales), f32x4.splat(load<f32>(xs + ((<usize>i) << 2))));
      const yr = y + ((<usize>i * <usize>ldy + <usize>j) << 2);
      if (j + 4 <= n) {
        v128.store(yr, out);
      } else {
        store<f32>(yr, f32x4.extract_lane(out, 0));
        if (j + 1 < n) store<f32>(yr, f32x4.extract_lane(out, 1), 4);
        if (j + 2 < n) store<f32>(yr, f32x4.extract_lane(out, 2), 8);
      }
    }
  }
}

/**
 * acc + the products of the 16 int8 weights at w with 16 i16 inputs (lo: the first 8, hi: the last 8),
 * pairwise. Each half is widened as it loads (v128.load8x8_s, one instruction on x86, where widening the
 * upper half of a loaded vector takes two).
 */
// @ts-ignore: decorator
@inline
function dot16(acc: v128, w: usize, lo: v128, hi: v128): v128 {
  const d0 = i32x4.dot_i16x8_s(v128.load8x8_s(w), lo);
  const d1 = i32x4.dot_i16x8_s(v128.load8x8_s(w, 8), hi);
  return i32x4.add(acc, i32x4.add(d0, d1));
}

/** [sum(a0), sum(a1), sum(a2), sum(a3)] of four i32x4 (lane sums in a fixed order). */
// @ts-ignore: decorator
@inline
function rowTotals(a0: v128, a1: v128, a2: v128, a3: v128): v128 {
  const s01 = i32x4.add(v128.shuffle<i32>(a0, a1, 0, 4, 2, 6), v128.shuffle<i32>(a0, a1, 1, 5, 3, 7));
  const s23 = i32x4.add(v128.shuffle<i32>(a2, a3, 0, 4, 2, 6), v128.shuffle<i32>(a2, a3, 1, 5, 3, 7));
  return i32x4.add(v128.shuffle<i32>(s01, s23, 0, 1, 4, 5), v128.shuffle<i32>(s01, s23, 2, 3, 6, 7));
}

/**
 * dst (count, width) f32: row r = table row idx[r] (i8, rows of ldt bytes) times scale (width f32): the
 * one-hot input projection from W_ih^T kept int8 (its columns are W_ih's rows, each with its scale).
 */
export function gatherQRows(dst: usize, table: usize, ldt: i32, scale: usize, idx: usize, count: i32, width: i32): void {
  for (let r = 0; r < count; r++) {
    const src = table + <usize>load<i32>(idx + ((<usize>r) << 2)) * <usize>ldt;
    const d = dst + ((<usize>r * <usize>width) << 2);
    let j = 0;
    for (; j + 4 <= width; j += 4) {
      const q = i32x4.extend_low_i16x8_s(i16x8.extend_low_i8x16_s(v128.load32_zero(src + <usize>j)));
      v128.store(d + ((<usize>j) << 2), f32x4.mul(f32x4.convert_i32x4_s(q), v128.load(scale + ((<usize>j) << 2))));
    }
    for (; j < width; j++) store<f32>(d + ((<usize>j) << 2), <f32>load<i8>(src + <usize>j) * load<f32>(scale + ((<usize>j) << 2)));
  }
}
