// C (M, N) = [C +] A (M, K) . B (K, N), f32, GotoBLAS-style packing; threads split it by rows (gemmRows).
//
// B is row-major with leading dimension ldb; A is addressed through two strides, element (i, k) at
// a + 4*(i*sam + k*sak): row-major A is (sam = lda, sak = 1), a transposed A^T stored (K, M) is
// (sam = 1, sak = ldm). That one kernel serves the forward products (X.W^T with W^T kept transposed), the
// backward products (dG.W with W in PyTorch layout) and the weight gradients over all steps (dG^T.X).
//
// Blocking: B is packed KC x NC at a time into 8-column panels (each KC x 8 panel contiguous, 8 KiB, so it
// sits in L1 while the rows of A pass over it), A MC x KC into 4-row panels (k-major, 4 values per k).
// Packing turns every access of the micro-kernel into a sequential stream; unpacked, the rows of a
// 4 KiB-wide matrix all map to one L1 set. Micro-kernel: 4 x 8 tile in 8 v128 accumulators, per k one
// 2-vector B load and 4 broadcast loads of A. Fewer than 4 rows of a general product take gemv(); the
// weight products of batch-1 generation read W^T in wide panels instead (gemmWide).
import { madd, maddf } from './simd';

const MR: i32 = 4;
const NR: i32 = 8;
const KC: i32 = 256;
const MC: i32 = 128;
const NC: i32 = 512;
/** Columns of a wide panel (packWideT): 8 accumulators of 4 lanes. */
const WIDE: i32 = 32;

// Packing buffers and the edge tile: static in the single-threaded build. In the shared-memory build every
// worker instance points its own (instance-local) globals at a region of its own (useScratch), so no two
// threads ever pack into the same bytes; the main instance keeps the static ones.
const SCRATCH_A: i32 = MC * KC * 4;
const SCRATCH_B: i32 = KC * NC * 4;
let packedA: usize = memory.data(SCRATCH_A, 64);
let packedB: usize = memory.data(SCRATCH_B, 64);
let tile: usize = memory.data(MR * NR * 4, 64);

/** Bytes of the scratch region useScratch() takes (64-byte aligned). */
export function scratchBytes(): i32 {
  return SCRATCH_A + SCRATCH_B + MR * NR * 4;
}

/** Points this instance's packing buffers at `p` (64-byte aligned, scratchBytes() long). */
export function useScratch(p: usize): void {
  packedA = p;
  packedB = p + <usize>SCRATCH_A;
  tile = p + <usize>(SCRATCH_A + SCRATCH_B);
}

export function gemm(c: usize, ldc: i32, a: usize, sam: i32, sak: i32, b: usize, ldb: i32,
  m: i32, n: i32, k: i32, accumulate: i32): void {
  gemmRows(c, ldc, a, sam, sak, b, ldb, m, n, k, accumulate, 0, m);
}

/**
 * Rows [r0, r1) of gemm(): the threads' share of one product. Every element of C is one multiply-add
 * chain in k order, starting from C (accumulate) or 0, in every kernel (gemv, gemvPanels, the blocked
 * micro-kernel across its KC blocks): so any row split gives the bits of the whole product, and a batch
 * of B rows gives each row the bits it gets alone (batched generation equals generating each alone).
 */
export function gemmRows(c: usize, ldc: i32, a: usize, sam: i32, sak: i32, b: usize, ldb: i32,
  m: i32, n: i32, k: i32, accumulate: i32, r0: i32, r1: i32): void {
  const cr = c + ((<usize>r0 * <usize>ldc) << 2);
  const ar = a + ((<usize>r0 * <usize>sam) << 2);
  const rows = r1 - r0;
  if (rows <= 0) return;
  if (m < MR) {
    for (let i = 0; i < rows; i++) gemv(cr + ((<usize>(i * ldc)) << 2), ar + ((<usize>(i * sam)) << 2), sak, b, ldb, n, k, accumulate != 0);
    return;
  }
  blocked(cr, ldc, ar, sam, sak, b, ldb, rows, n, k, accumulate != 0, false);
}

/**
 * gemm() with B already in panel layout (packPanelsT): the model's weights are stored that way once per
 * update, so the per-step recurrent product never repacks W_hh^T.
 */
export function gemmPrepacked(c: usize, ldc: i32, a: usize, sam: i32, sak: i32, bp: usize,
  m: i32, n: i32, k: i32, accumulate: i32): void {
  gemmPrepackedRows(c, ldc, a, sam, sak, bp, m, n, k, accumulate, 0, m);
}

/** Rows [r0, r1) of gemmPrepacked(), as gemmRows(). */
export function gemmPrepackedRows(c: usize, ldc: i32, a: usize, sam: i32, sak: i32, bp: usize,
  m: i32, n: i32, k: i32, accumulate: i32, r0: i32, r1: i32): void {
  const cr = c + ((<usize>r0 * <usize>ldc) << 2);
  const ar = a + ((<usize>r0 * <usize>sam) << 2);
  const rows = r1 - r0;
  if (rows <= 0) return;
  if (m < MR) {
    for (let i = 0; i < rows; i++) gemvPanels(cr + ((<usize>(i * ldc)) << 2), ar + ((<usize>(i * sam)) << 2), sak, bp, n, k, accumulate != 0);
    return;
  }
  blocked(cr, ldc, ar, sam, sak, bp, 0, rows, n, k, accumulate != 0, true);
}

/**
 * gemm() for fewer than MR rows (batch-1 generation's weight products) with B in wide panels
 * (packWideT): each row of C is one pass over B in 32-column panels, its 8 accumulators held in registers
 * across all of K, where gemv reads and writes C once per four k. The same multiply-add chain per element
 * as every other kernel (k in order from C or 0), so the same bits; about 1.3x gemv's speed.
 */
export function gemmWide(c: usize, ldc: i32, a: usize, sam: i32, sak: i32, bw: usize, m: i32, n: i32, k: i32,
  accumulate: i32): void {
  gemmWideRows(c, ldc, a, sam, sak, bw, m, n, k, accumulate, 0, m);
}

/** Rows [r0, r1) of gemmWide(). */
export function gemmWideRows(c: usize, ldc: i32, a: usize, sam: i32, sak: i32, bw: usize, m: i32, n: i32, k: i32,
  accumulate: i32, r0: i32, r1: i32): void {
  for (let i = r0; i < r1; i++) {
    gemvWide(c + ((<usize>i * <usize>ldc) << 2), a + ((<usize>i * <usize>sam) << 2), sak, bw, n, k, accumulate != 0);
  }
}

/**
 * dst = panels of W^T for W (rows, cols) row-major: W^T is (cols, rows) and panel q holds its columns
 * 8q..8q+7 (rows of W) for every k in [0, cols), zero-padded: dst[q][p][jj] = W[8q + jj][p].
 */
export function packPanelsT(dst: usize, w: usize, rows: i32, cols: i32): void {
  packT(dst, w, rows, cols, NR);
}

/** packPanelsT with panels of 32 columns: the layout gemmWide reads. */
export function packWideT(dst: usize, w: usize, rows: i32, cols: i32): void {
  packT(dst, w, rows, cols, WIDE);
}

// @ts-ignore: decorator
@inline
function packT(dst: usize, w: usize, rows: i32, cols: i32, width: i32): void {
  const rw = (<usize>cols) << 2;
  let d = dst;
  for (let q = 0; q < rows; q += width) {
    const valid = min(width, rows - q);
    for (let p = 0; p < cols; p++) {
      const src = w + <usize>q * rw + ((<usize>p) << 2);
      for (let jj = 0; jj < width; jj++) store<f32>(d + ((<usize>jj) << 2), jj < valid ? load<f32>(src + <usize>jj * rw) : 0);
      d += <usize>width << 2;
    }
  }
}

/** dst = panels of B (k, n) row-major itself (B used as is, not transposed): dst[q][p][jj] = B[p][8q + jj]. */
export function packPanels(dst: usize, b: usize, k: i32, n: i32): void {
  const rb = (<usize>n) << 2;
  let d = dst;
  for (let q = 0; q < n; q += NR) {
    const valid = min(NR, n - q);
    for (let p = 0; p < k; p++) {
      const src = b + <usize>p * rb + ((<usize>q) << 2);
      if (valid == NR) {
        v128.store(d, v128.load(src));
        v128.store(d, v128.load(src, 16), 16);
      } else {
        for (let jj = 0; jj < NR; jj++) store<f32>(d + ((<usize>jj) << 2), jj < valid ? load<f32>(src + ((<usize>jj) << 2)) : 0);
      }
      d += 32;
    }
  }
}

// @ts-ignore: decorator
@inline
function blocked(c: usize, ldc: i32, a: usize, sam: i32, sak: i32, b: usize, ldb: i32,
  m: i32, n: i32, k: i32, accumulate: bool, prepacked: bool): void {
  if (k <= 0) {
    if (!accumulate) for (let i = 0; i < m; i++) memory.fill(c + ((<usize>i * ldc) << 2), 0, (<usize>n) << 2);
    return;
  }
  // Pre-packed B needs no packing buffer, so it takes all columns in one block and A is packed once.
  const ncMax = prepacked ? n : NC;
  for (let jc = 0; jc < n; jc += ncMax) {
    const nc = min(ncMax, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const first = pc == 0 && !accumulate;
      if (!prepacked) packB(b + ((<usize>pc * ldb + jc) << 2), ldb, kc, nc);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA(a + ((<usize>ic * sam + <usize>pc * sak) << 2), sam, sak, mc, kc);
        for (let jr = 0; jr < nc; jr += NR) {
          // Prepacked panels span all of K (panel stride k*8); packedB holds only this kc block.
          const pb = prepacked
            ? b + ((<usize>(jc + jr) * k + <usize>pc * NR) << 2)
            : packedB + ((<usize>jr * kc) << 2);
          const cols = min(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            const pc0 = c + ((<usize>(ic + ir) * ldc + jc + jr) << 2);
            micro(packedA + ((<usize>ir * kc) << 2), pb, kc, pc0, ldc, min(MR, mc - ir), cols, first);
          }
        }
      }
    }
  }
}

/** packedB[panel][p][0..8) = B[p][panel*8 + 0..8), zero-padded past nc. */
function packB(b: usize, ldb: i32, kc: i32, nc: i32): void {
  const rb = (<usize>ldb) << 2;
  const full = nc & ~7;
  let dst = packedB;
  for (let jr = 0; jr < full; jr += NR) {
    let src = b + ((<usize>jr) << 2);
    for (let p = 0; p < kc; p++) {
      v128.store(dst, v128.load(src));
      v128.store(dst, v128.load(src, 16), 16);
      dst += 32;
      src += rb;
    }
  }
  if (full < nc) {
    const rest = nc - full;
    let src = b + ((<usize>full) << 2);
    for (let p = 0; p < kc; p++) {
      for (let jj = 0; jj < NR; jj++) store<f32>(dst + ((<usize>jj) << 2), jj < rest ? load<f32>(src + ((<usize>jj) << 2)) : 0);
      dst += 32;
      src += rb;
    }
  }
}

/** packedA[panel][p][0..4) = A[panel*4 + 0..4][p], zero-padded past mc. */
function packA(a: usize, sam: i32, sak: i32, mc: i32, kc: i32): void {
  const ra = (<usize>sam) << 2;
  const ka = (<usize>sak) << 2;
  let dst = packedA;
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir);
    const base = a + <usize>ir * ra;
    if (rows == MR && sam == 1) {
      // A^T layout: the 4 rows of a panel are adjacent at each k.
      let src = base;
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(src));
        dst += 16;
        src += ka;
      }
    } else if (rows == MR) {
      const r0 = base, r1 = base + ra, r2 = base + 2 * ra, r3 = base + 3 * ra;
      let o: usize = 0;
      let p = 0;
      if (sak == 1) {
        // Row-major A: 4 x 4 blocks transposed in registers.
        for (; p + 4 <= kc; p += 4) {
          const v0 = v128.load(r0 + o), v1 = v128.load(r1 + o), v2 = v128.load(r2 + o), v3 = v128.load(r3 + o);
          const t0 = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5);
          const t1 = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5);
          const t2 = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7);
          const t3 = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
          v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
          v128.store(dst, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 16);
          v128.store(dst, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 32);
          v128.store(dst, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 48);
          dst += 64;
          o += 16;
        }
      }
      for (; p < kc; p++) {
        store<f32>(dst, load<f32>(r0 + o));
        store<f32>(dst, load<f32>(r1 + o), 4);
        store<f32>(dst, load<f32>(r2 + o), 8);
        store<f32>(dst, load<f32>(r3 + o), 12);
        dst += 16;
        o += ka;
      }
    } else {
      let o: usize = 0;
      for (let p = 0; p < kc; p++) {
        for (let ii = 0; ii < MR; ii++) store<f32>(dst + ((<usize>ii) << 2), ii < rows ? load<f32>(base + <usize>ii * ra + o) : 0);
        dst += 16;
        o += ka;
      }
    }
  }
}

// @ts-ignore: decorator
@inline
function micro(pa: usize, pb: usize, kc: i32, c: usize, ldc: i32, rows: i32, cols: i32, first: bool): void {
  // The accumulators start from C (zeros for the first block): each element is then one sum in k order
  // across the KC blocks, the order gemv() keeps, so a product gives the same bits for any row count.
  const rc = (<usize>ldc) << 2;
  const full = rows == MR && cols == NR;
  const src = full ? c : tile;
  if (!first && !full) {
    memory.fill(tile, 0, MR * NR * 4);
    for (let i = 0; i < rows; i++) memory.copy(tile + <usize>(i * NR * 4), c + <usize>i * rc, (<usize>cols) << 2);
  }
  const s1: usize = full ? rc : <usize>(NR * 4);
  const s2: usize = s1 << 1, s3: usize = s1 * 3;
  let x00 = f32x4.splat(0), x01 = f32x4.splat(0), x10 = f32x4.splat(0), x11 = f32x4.splat(0);
  let x20 = f32x4.splat(0), x21 = f32x4.splat(0), x30 = f32x4.splat(0), x31 = f32x4.splat(0);
  if (!first) {
    x00 = v128.load(src); x01 = v128.load(src, 16);
    x10 = v128.load(src + s1); x11 = v128.load(src + s1, 16);
    x20 = v128.load(src + s2); x21 = v128.load(src + s2, 16);
    x30 = v128.load(src + s3); x31 = v128.load(src + s3, 16);
  }
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let s = v128.load32_splat(pa);
    x00 = madd(s, b0, x00); x01 = madd(s, b1, x01);
    s = v128.load32_splat(pa, 4);
    x10 = madd(s, b0, x10); x11 = madd(s, b1, x11);
    s = v128.load32_splat(pa, 8);
    x20 = madd(s, b0, x20); x21 = madd(s, b1, x21);
    s = v128.load32_splat(pa, 12);
    x30 = madd(s, b0, x30); x31 = madd(s, b1, x31);
    pa += 16;
    pb += 32;
  }
  if (full) {
    const c0 = c, c1 = c + rc, c2 = c + 2 * rc, c3 = c + 3 * rc;
    v128.store(c0, x00); v128.store(c0, x01, 16);
    v128.store(c1, x10); v128.store(c1, x11, 16);
    v128.store(c2, x20); v128.store(c2, x21, 16);
    v128.store(c3, x30); v128.store(c3, x31, 16);
    return;
  }
  v128.store(tile, x00); v128.store(tile, x01, 16);
  v128.store(tile, x10, 32); v128.store(tile, x11, 48);
  v128.store(tile, x20, 64); v128.store(tile, x21, 80);
  v128.store(tile, x30, 96); v128.store(tile, x31, 112);
  for (let i = 0; i < rows; i++) memory.copy(c + <usize>i * rc, tile + <usize>(i * NR * 4), (<usize>cols) << 2);
}

/**
 * c (1, N) = [c +] a (1, K) . B (K, N): four rows of B per pass, streamed along N, so c (in L1) is read
 * and written once per four multiply-adds. (Eight rows 4 KiB apart overflow an 8-way L1 set.)
 */
export function gemv(c: usize, a: usize, sak: i32, b: usize, ldb: i32, n: i32, k: i32, acc: bool): void {
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
      for (let r: usize = 0; r < 4; r++) x = maddf(load<f32>(pa + r * sa), load<f32>(pb + r * rb + o), x);
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
    for (; o < nb; o += 4) store<f32>(c + o, maddf(s0, load<f32>(pb + o), load<f32>(c + o)));
    pa += sa;
    pb += rb;
  }
}

/**
 * c (1, N) = [c +] a (1, K) . B with B in panel layout: four panels (32 columns) at a time, each a
 * contiguous stream, 8 accumulators; the columns past N in the last panel are padding and not stored.
 */
function gemvPanels(c: usize, a: usize, sak: i32, bp: usize, n: i32, k: i32, acc: bool): void {
  const sa = (<usize>sak) << 2;
  const ps = (<usize>k) << 5;
  const full = n & ~7;
  let j = 0;
  for (; j + 32 <= full; j += 32) {
    const p0 = bp + ((<usize>j * k) << 2);
    const p1 = p0 + ps, p2 = p0 + 2 * ps, p3 = p0 + 3 * ps;
    const cj = c + ((<usize>j) << 2);
    let x0 = f32x4.splat(0), x1 = f32x4.splat(0), x2 = f32x4.splat(0), x3 = f32x4.splat(0);
    let x4 = f32x4.splat(0), x5 = f32x4.splat(0), x6 = f32x4.splat(0), x7 = f32x4.splat(0);
    if (acc) {
      x0 = v128.load(cj); x1 = v128.load(cj, 16); x2 = v128.load(cj, 32); x3 = v128.load(cj, 48);
      x4 = v128.load(cj, 64); x5 = v128.load(cj, 80); x6 = v128.load(cj, 96); x7 = v128.load(cj, 112);
    }
    let pa = a;
    let o: usize = 0;
    for (let p = 0; p < k; p++) {
      const s = v128.load32_splat(pa);
      x0 = madd(s, v128.load(p0 + o), x0);
      x1 = madd(s, v128.load(p0 + o, 16), x1);
      x2 = madd(s, v128.load(p1 + o), x2);
      x3 = madd(s, v128.load(p1 + o, 16), x3);
      x4 = madd(s, v128.load(p2 + o), x4);
      x5 = madd(s, v128.load(p2 + o, 16), x5);
      x6 = madd(s, v128.load(p3 + o), x6);
      x7 = madd(s, v128.load(p3 + o, 16), x7);
      pa += sa;
      o += 32;
    }
    v128.store(cj, x0); v128.store(cj, x1, 16); v128.store(cj, x2, 32); v128.store(cj, x3, 48);
    v128.store(cj, x4, 64); v128.store(cj, x5, 80); v128.store(cj, x6, 96); v128.store(cj, x7, 112);
  }
  for (; j < n; j += 8) {
    const p0 = bp + ((<usize>j * k) << 2);
    const cols = min(8, n - j);
    memory.fill(tile, 0, 32);
    if (acc) memory.copy(tile, c + ((<usize>j) << 2), (<usize>cols) << 2);
    let x0 = v128.load(tile), x1 = v128.load(tile, 16);
    let pa = a;
    let o: usize = 0;
    for (let p = 0; p < k; p++) {
      const s = v128.load32_splat(pa);
      x0 = madd(s, v128.load(p0 + o), x0);
      x1 = madd(s, v128.load(p0 + o, 16), x1);
      pa += sa;
      o += 32;
    }
    v128.store(tile, x0);
    v128.store(tile, x1, 16);
    memory.copy(c + ((<usize>j) << 2), tile, (<usize>cols) << 2);
  }
}

/**
 * c (1, N) = [c +] a (1, K) . B with B in wide panels: per panel two k a pass (one k a pass runs slower
 * on V8, measured), the last panel's padding columns computed but not stored. An odd K's last k is a
 * pass of its own over c: with it inside, V8 hoists the pair loop's loads and spills its accumulators
 * (1.7x slower, measured on Node 20).
 */
function gemvWide(c: usize, a: usize, sak: i32, bw: usize, n: i32, k: i32, acc: bool): void {
  widePairs(c, a, sak, bw, n, k, acc);
  if ((k & 1) == 0) return;
  const p = k - 1;
  const s = load<f32>(a + ((<usize>p * <usize>sak) << 2));
  const v = f32x4.splat(s);
  const ps = (<usize>k) << 7;
  const row = bw + ((<usize>p) << 7);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const cj = c + ((<usize>j) << 2);
    v128.store(cj, madd(v, v128.load(row + (<usize>(j >> 5)) * ps + ((<usize>(j & 31)) << 2)), v128.load(cj)));
  }
  for (; j < n; j++) {
    const cj = c + ((<usize>j) << 2);
    store<f32>(cj, maddf(s, load<f32>(row + (<usize>(j >> 5)) * ps + ((<usize>(j & 31)) << 2)), load<f32>(cj)));
  }
}

/** gemvWide over the first K & ~1 rows of B. */
// @ts-ignore: decorator
@inline
function widePairs(c: usize, a: usize, sak: i32, bw: usize, n: i32, k: i32, acc: bool): void {
  const sa = (<usize>sak) << 2;
  const ps = (<usize>k) << 7;
  const pairs = (<usize>(k & ~1)) << 7;
  for (let j = 0; j < n; j += WIDE) {
    const cols = min(WIDE, n - j);
    const cj = c + ((<usize>j) << 2);
    // A partial panel goes through the tile, so no store passes the end of c's row.
    const out = cols == WIDE ? cj : tile;
    let x0 = f32x4.splat(0), x1 = f32x4.splat(0), x2 = f32x4.splat(0), x3 = f32x4.splat(0);
    let x4 = f32x4.splat(0), x5 = f32x4.splat(0), x6 = f32x4.splat(0), x7 = f32x4.splat(0);
    if (acc) {
      if (cols < WIDE) {
        memory.fill(tile, 0, WIDE * 4);
        memory.copy(tile, cj, (<usize>cols) << 2);
      }
      x0 = v128.load(out); x1 = v128.load(out, 16); x2 = v128.load(out, 32); x3 = v128.load(out, 48);
      x4 = v128.load(out, 64); x5 = v128.load(out, 80); x6 = v128.load(out, 96); x7 = v128.load(out, 112);
    }
    let pb = bw + (<usize>(j >> 5)) * ps;
    const end = pb + pairs;
    let pa = a;
    for (; pb < end; pb += 256) {
      const s = v128.load32_splat(pa);
      const t = v128.load32_splat(pa + sa);
      x0 = madd(t, v128.load(pb, 128), madd(s, v128.load(pb), x0));
      x1 = madd(t, v128.load(pb, 144), madd(s, v128.load(pb, 16), x1));
      x2 = madd(t, v128.load(pb, 160), madd(s, v128.load(pb, 32), x2));
      x3 = madd(t, v128.load(pb, 176), madd(s, v128.load(pb, 48), x3));
      x4 = madd(t, v128.load(pb, 192), madd(s, v128.load(pb, 64), x4));
      x5 = madd(t, v128.load(pb, 208), madd(s, v128.load(pb, 80), x5));
      x6 = madd(t, v128.load(pb, 224), madd(s, v128.load(pb, 96), x6));
      x7 = madd(t, v128.load(pb, 240), madd(s, v128.load(pb, 112), x7));
      pa += 2 * sa;
    }
    v128.store(out, x0); v128.store(out, x1, 16); v128.store(out, x2, 32); v128.store(out, x3, 48);
    v128.store(out, x4, 64); v128.store(out, x5, 80); v128.store(out, x6, 96); v128.store(out, x7, 112);
    if (cols < WIDE) memory.copy(cj, tile, (<usize>cols) << 2);
  }
}
