// C (M, N) = [C +] A (M, K) . B (K, N), f32, single thread.
//
// B is row-major with leading dimension ldb (contiguous along N, so it is read as v128 columns). A is
// addressed through two strides, element (i, k) at a + 4*(i*sam + k*sak): row-major A is (sam = lda,
// sak = 1), a transposed A^T stored (K, M) is (sam = 1, sak = ldm). That one kernel therefore serves the
// forward products (X.W^T with W^T kept transposed), the backward products (dG.W with W in PyTorch layout)
// and the weight gradients over all steps (dG^T.X).
//
// Register blocking: 4 rows x 8 columns (8 v128 accumulators, 2 B vectors, 1 broadcast A value); rows
// left over use 1 x 32 / 1 x 8 strips. K is split into KC blocks so a B panel (KC x 8) stays in L1.
// Fewer than 4 rows (batch-1 generation) take gemv(), which streams whole rows of B instead of walking
// an 8-column panel down rows 4 KiB apart (those all land in one L1 set).
import { madd } from './simd';

const KC: i32 = 256;

export function gemm(c: usize, ldc: i32, a: usize, sam: i32, sak: i32, b: usize, ldb: i32,
  m: i32, n: i32, k: i32, accumulate: i32): void {
  if (m < 4) {
    for (let i = 0; i < m; i++) gemv(c + ((<usize>(i * ldc)) << 2), a + ((<usize>(i * sam)) << 2), sak, b, ldb, n, k, accumulate != 0);
    return;
  }
  if (k <= 0) {
    if (accumulate == 0) for (let i = 0; i < m; i++) memory.fill(c + ((<usize>i * ldc) << 2), 0, (<usize>n) << 2);
    return;
  }
  for (let k0 = 0; k0 < k; k0 += KC) {
    const kc = min(KC, k - k0);
    const acc = accumulate != 0 || k0 > 0;
    gemmBlock(c, ldc, a + ((<usize>k0 * sak) << 2), sam, sak, b + ((<usize>k0 * ldb) << 2), ldb, m, n, kc, acc);
  }
}

function gemmBlock(c: usize, ldc: i32, a: usize, sam: i32, sak: i32, b: usize, ldb: i32,
  m: i32, n: i32, k: i32, acc: bool): void {
  const m4 = m & ~3;
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    const bj = b + ((<usize>j) << 2);
    for (let i = 0; i < m4; i += 4) {
      kernel4x8(c + ((<usize>(i * ldc + j)) << 2), ldc, a + ((<usize>(i * sam)) << 2), sam, sak, bj, ldb, k, acc);
    }
  }
  // Rows past the last multiple of 4 (all rows when m < 4, as in batch-1 generation).
  for (let i = m4; i < m; i++) {
    const ci = c + ((<usize>(i * ldc)) << 2);
    const ai = a + ((<usize>(i * sam)) << 2);
    let jj = 0;
    for (; jj + 32 <= j; jj += 32) kernel1x32(ci + ((<usize>jj) << 2), ai, sak, b + ((<usize>jj) << 2), ldb, k, acc);
    for (; jj < j; jj += 8) kernel1x8(ci + ((<usize>jj) << 2), ai, sak, b + ((<usize>jj) << 2), ldb, k, acc);
  }
  // Columns past the last multiple of 8 (e.g. the vocabulary of the output layer).
  for (; j + 4 <= n; j += 4) {
    for (let i = 0; i < m; i++) {
      kernel1x4(c + ((<usize>(i * ldc + j)) << 2), a + ((<usize>(i * sam)) << 2), sak, b + ((<usize>j) << 2), ldb, k, acc);
    }
  }
  for (; j < n; j++) {
    for (let i = 0; i < m; i++) {
      const pc = c + ((<usize>(i * ldc + j)) << 2);
      let s: f32 = acc ? load<f32>(pc) : 0;
      let pa = a + ((<usize>(i * sam)) << 2);
      let pb = b + ((<usize>j) << 2);
      const sa = (<usize>sak) << 2;
      const sb = (<usize>ldb) << 2;
      for (let p = 0; p < k; p++) {
        s += load<f32>(pa) * load<f32>(pb);
        pa += sa;
        pb += sb;
      }
      store<f32>(pc, s);
    }
  }
}

// @ts-ignore: decorator
@inline
function kernel4x8(c: usize, ldc: i32, a: usize, sam: i32, sak: i32, b: usize, ldb: i32, k: i32, acc: bool): void {
  const rc = (<usize>ldc) << 2;
  const ra = (<usize>sam) << 2;
  const sa = (<usize>sak) << 2;
  const sb = (<usize>ldb) << 2;
  const c0 = c, c1 = c + rc, c2 = c + 2 * rc, c3 = c + 3 * rc;
  let x00 = f32x4.splat(0), x01 = f32x4.splat(0), x10 = f32x4.splat(0), x11 = f32x4.splat(0);
  let x20 = f32x4.splat(0), x21 = f32x4.splat(0), x30 = f32x4.splat(0), x31 = f32x4.splat(0);
  if (acc) {
    x00 = v128.load(c0); x01 = v128.load(c0, 16);
    x10 = v128.load(c1); x11 = v128.load(c1, 16);
    x20 = v128.load(c2); x21 = v128.load(c2, 16);
    x30 = v128.load(c3); x31 = v128.load(c3, 16);
  }
  const a0 = a, a1 = a + ra, a2 = a + 2 * ra, a3 = a + 3 * ra;
  let oa: usize = 0;
  let pb = b;
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let s = f32x4.splat(load<f32>(a0 + oa));
    x00 = madd(s, b0, x00); x01 = madd(s, b1, x01);
    s = f32x4.splat(load<f32>(a1 + oa));
    x10 = madd(s, b0, x10); x11 = madd(s, b1, x11);
    s = f32x4.splat(load<f32>(a2 + oa));
    x20 = madd(s, b0, x20); x21 = madd(s, b1, x21);
    s = f32x4.splat(load<f32>(a3 + oa));
    x30 = madd(s, b0, x30); x31 = madd(s, b1, x31);
    oa += sa;
    pb += sb;
  }
  v128.store(c0, x00); v128.store(c0, x01, 16);
  v128.store(c1, x10); v128.store(c1, x11, 16);
  v128.store(c2, x20); v128.store(c2, x21, 16);
  v128.store(c3, x30); v128.store(c3, x31, 16);
}

// @ts-ignore: decorator
@inline
function kernel1x32(c: usize, a: usize, sak: i32, b: usize, ldb: i32, k: i32, acc: bool): void {
  const sa = (<usize>sak) << 2;
  const sb = (<usize>ldb) << 2;
  let x0 = f32x4.splat(0), x1 = f32x4.splat(0), x2 = f32x4.splat(0), x3 = f32x4.splat(0);
  let x4 = f32x4.splat(0), x5 = f32x4.splat(0), x6 = f32x4.splat(0), x7 = f32x4.splat(0);
  if (acc) {
    x0 = v128.load(c); x1 = v128.load(c, 16); x2 = v128.load(c, 32); x3 = v128.load(c, 48);
    x4 = v128.load(c, 64); x5 = v128.load(c, 80); x6 = v128.load(c, 96); x7 = v128.load(c, 112);
  }
  let pa = a;
  let pb = b;
  for (let p = 0; p < k; p++) {
    const s = f32x4.splat(load<f32>(pa));
    x0 = madd(s, v128.load(pb), x0);
    x1 = madd(s, v128.load(pb, 16), x1);
    x2 = madd(s, v128.load(pb, 32), x2);
    x3 = madd(s, v128.load(pb, 48), x3);
    x4 = madd(s, v128.load(pb, 64), x4);
    x5 = madd(s, v128.load(pb, 80), x5);
    x6 = madd(s, v128.load(pb, 96), x6);
    x7 = madd(s, v128.load(pb, 112), x7);
    pa += sa;
    pb += sb;
  }
  v128.store(c, x0); v128.store(c, x1, 16); v128.store(c, x2, 32); v128.store(c, x3, 48);
  v128.store(c, x4, 64); v128.store(c, x5, 80); v128.store(c, x6, 96); v128.store(c, x7, 112);
}

// @ts-ignore: decorator
@inline
function kernel1x8(c: usize, a: usize, sak: i32, b: usize, ldb: i32, k: i32, acc: bool): void {
  const sa = (<usize>sak) << 2;
  const sb = (<usize>ldb) << 2;
  let x0 = acc ? v128.load(c) : f32x4.splat(0);
  let x1 = acc ? v128.load(c, 16) : f32x4.splat(0);
  let pa = a;
  let pb = b;
  for (let p = 0; p < k; p++) {
    const s = f32x4.splat(load<f32>(pa));
    x0 = madd(s, v128.load(pb), x0);
    x1 = madd(s, v128.load(pb, 16), x1);
    pa += sa;
    pb += sb;
  }
  v128.store(c, x0);
  v128.store(c, x1, 16);
}

// @ts-ignore: decorator
@inline
function kernel1x4(c: usize, a: usize, sak: i32, b: usize, ldb: i32, k: i32, acc: bool): void {
  const sa = (<usize>sak) << 2;
  const sb = (<usize>ldb) << 2;
  let x0 = acc ? v128.load(c) : f32x4.splat(0);
  let pa = a;
  let pb = b;
  for (let p = 0; p < k; p++) {
    x0 = madd(f32x4.splat(load<f32>(pa)), v128.load(pb), x0);
    pa += sa;
    pb += sb;
  }
  v128.store(c, x0);
}

/**
 * c (1, N) = [c +] a (1, K) . B (K, N): four rows of B per pass, streamed along N, so c (in L1) is read
 * and written once per four multiply-adds. (Eight rows 4 KiB apart overflow an 8-way L1 set.)
 */
function gemv(c: usize, a: usize, sak: i32, b: usize, ldb: i32, n: i32, k: i32, acc: bool): void {
  const nb = (<usize>n) << 2;
  if (!acc) memory.fill(c, 0, nb);
  const sa = (<usize>sak) << 2;
  const rb = (<usize>ldb) << 2;
  const n8 = (<usize>(n & ~7)) << 2;
  let p = 0;
  let pa = a;
  let pb = b;
  for (; p + 4 <= k; p += 4) {
    const v0 = v128.load32_splat(pa), v1 = v128.load32_splat(pa + sa);
    const v2 = v128.load32_splat(pa + 2 * sa), v3 = v128.load32_splat(pa + 3 * sa);
    const b0 = pb, b1 = pb + rb, b2 = pb + 2 * rb, b3 = pb + 3 * rb;
    let o: usize = 0;
    for (; o < n8; o += 32) {
      let x = v128.load(c + o);
      let y = v128.load(c + o, 16);
      x = madd(v0, v128.load(b0 + o), x);
      y = madd(v0, v128.load(b0 + o, 16), y);
      x = madd(v1, v128.load(b1 + o), x);
      y = madd(v1, v128.load(b1 + o, 16), y);
      x = madd(v2, v128.load(b2 + o), x);
      y = madd(v2, v128.load(b2 + o, 16), y);
      x = madd(v3, v128.load(b3 + o), x);
      y = madd(v3, v128.load(b3 + o, 16), y);
      v128.store(c + o, x);
      v128.store(c + o, y, 16);
    }
    for (; o < nb; o += 4) {
      let x = load<f32>(c + o);
      for (let r: usize = 0; r < 4; r++) x += load<f32>(pa + r * sa) * load<f32>(pb + r * rb + o);
      store<f32>(c + o, x);
    }
    pa += 4 * sa;
    pb += 4 * rb;
  }
  for (; p < k; p++) {
    const s0 = load<f32>(pa);
    const v0 = f32x4.splat(s0);
    let o: usize = 0;
    for (; o + 16 <= nb; o += 16) v128.store(c + o, madd(v0, v128.load(pb + o), v128.load(c + o)));
    for (; o < nb; o += 4) store<f32>(c + o, load<f32>(c + o) + s0 * load<f32>(pb + o));
    pa += sa;
    pb += rb;
  }
}
