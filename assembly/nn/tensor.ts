// Data movement around the GEMMs: transposes, embedding gather/scatter, bias broadcast and column sums.
// All tensors are f32, row-major, addressed by byte pointers into the model's arena.

/** dst (cols, rows) = src (rows, cols)^T, in 8 x 8 tiles so both sides stay in cache. */
export function transpose(dst: usize, src: usize, rows: i32, cols: i32): void {
  for (let r0 = 0; r0 < rows; r0 += 8) {
    const r1 = min(rows, r0 + 8);
    for (let c0 = 0; c0 < cols; c0 += 8) {
      const c1 = min(cols, c0 + 8);
      for (let r = r0; r < r1; r++) {
        for (let c = c0; c < c1; c++) {
          store<f32>(dst + ((<usize>(c * rows + r)) << 2), load<f32>(src + ((<usize>(r * cols + c)) << 2)));
        }
      }
    }
  }
}

/** dst (n, width): row i = table[idx[i]] - the one-hot input projection as a lookup. */
export function gatherRows(dst: usize, table: usize, idx: usize, n: i32, width: i32): void {
  const bytes = (<usize>width) << 2;
  for (let i = 0; i < n; i++) {
    const row = <usize>load<i32>(idx + ((<usize>i) << 2));
    memory.copy(dst + <usize>i * bytes, table + row * bytes, bytes);
  }
}

/** table[idx[i]] += src row i: the weight gradient of a one-hot input projection. */
export function scatterAddRows(table: usize, src: usize, idx: usize, n: i32, width: i32): void {
  scatterAddCols(table, src, idx, n, width, 0, width);
}

/**
 * Columns [j0, j1) of scatterAddRows(): each column's sums run over i in order whoever computes them, so
 * threads split by columns and get the bits of the whole.
 */
export function scatterAddCols(table: usize, src: usize, idx: usize, n: i32, width: i32, j0: i32, j1: i32): void {
  const bytes = (<usize>width) << 2;
  const o = (<usize>j0) << 2;
  for (let i = 0; i < n; i++) {
    const row = <usize>load<i32>(idx + ((<usize>i) << 2));
    addInto(table + row * bytes + o, src + <usize>i * bytes + o, j1 - j0);
  }
}

/** out[j] (+)= sum_r a[r, j]: a bias gradient. */
export function colSum(out: usize, a: usize, rows: i32, cols: i32, accumulate: i32): void {
  colSumCols(out, a, rows, cols, accumulate, 0, cols);
}

/** Columns [j0, j1) of colSum(), each summed over r in order (threads split by columns). */
export function colSumCols(out: usize, a: usize, rows: i32, cols: i32, accumulate: i32, j0: i32, j1: i32): void {
  const o = (<usize>j0) << 2;
  const w = j1 - j0;
  if (accumulate == 0) memory.fill(out + o, 0, (<usize>w) << 2);
  const bytes = (<usize>cols) << 2;
  for (let r = 0; r < rows; r++) addInto(out + o, a + <usize>r * bytes + o, w);
}

/** a[r, j] += bias[j] for every row. */
export function addRowBias(a: usize, bias: usize, rows: i32, cols: i32): void {
  const bytes = (<usize>cols) << 2;
  for (let r = 0; r < rows; r++) addInto(a + <usize>r * bytes, bias, cols);
}

/** dst[i] = a[i] * b[i]; dst may alias a (dropout forward and backward). */
export function mulInto(dst: usize, a: usize, b: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(dst + o, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(dst + o, load<f32>(a + o) * load<f32>(b + o));
  }
}

// @ts-ignore: decorator
@inline
function addInto(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}
