// The int8 kernels (assembly/nn/int8.ts) against a JavaScript replica of their arithmetic, bit for bit:
// inputs quantized per row (i16, scale max|x| / 32767, ties to even), exact integer sums over 512-deep
// blocks, the blocks added in f32, then the row scale and the input scale; several blocks deep, rows of
// W not a multiple of 4, k not a multiple of 16; and the int8 one-hot gather.
import { describe, expect, it } from 'vitest';
import { Arena } from '../../src/backends/wasm/arena.js';
import { instantiateKernels, kernelModule } from '../../src/backends/wasm/kernels.js';
import { mix32 } from '../../src/model/params.js';
import { buildsUnderTest } from './builds.js';

const f = Math.fround;
const roundHalfEven = (v: number) => {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

function quantizeRow(x: Float32Array): { q: Int16Array; scale: number } {
  let m = 0;
  for (const v of x) m = Math.max(m, Math.abs(v));
  const scale = f(m / 32767);
  const inv = m > 0 ? f(32767 / m) : 0;
  return { q: Int16Array.from(x, (v) => roundHalfEven(f(v * inv))), scale };
}

describe.each(buildsUnderTest())('int8 kernels, %s build', (build) => {
  it('qgemm and quantizeRows give the replica’s bits', async () => {
    const k = await instantiateKernels(kernelModule(build));
    const arena = new Arena(k);
    const [M, N, K] = [5, 11, 1100];
    const kp = Math.ceil(K / 16) * 16;
    const Np = Math.ceil(N / 4) * 4;
    const X = arena.alloc(M * K);
    const XQ = arena.alloc((M * kp) / 2);
    const XS = arena.alloc(M);
    const WQ = arena.alloc((Np * kp) / 4);
    const WS = arena.alloc(Np);
    const Y = arena.alloc(M * N + 1);
    arena.commit();
    const x = arena.f32(X, M * K);
    x.forEach((_, i) => {
      x[i] = (mix32(i) / 2 ** 32 - 0.5) * (1 + (i % 7));
    });
    x.fill(0, 2 * K, 3 * K); // a row of zeros: scale 0
    const wq = arena.i8(WQ, Np * kp);
    wq.fill(0);
    for (let j = 0; j < N; j++) for (let c = 0; c < K; c++) wq[j * kp + c] = (mix32(j * K + c + 7) % 255) - 127;
    const ws = arena.f32(WS, Np);
    ws.fill(0);
    for (let j = 0; j < N; j++) ws[j] = 0.001 * (j + 1);
    arena.f32(Y, M * N + 1).fill(-1);
    k.quantizeRows(XQ, XS, X, K, M, K, kp);
    k.qgemm(Y, N, XQ, XS, M, WQ, WS, N, kp);
    const y = arena.f32(Y, M * N + 1);
    const xq = new Int16Array(k.memory.buffer, XQ, M * kp);
    const xs = arena.f32(XS, M);
    for (let i = 0; i < M; i++) {
      const { q, scale } = quantizeRow(x.subarray(i * K, (i + 1) * K));
      expect(Array.from(xq.subarray(i * kp, i * kp + K)), `row ${i} quantized`).toEqual(Array.from(q));
      expect(Array.from(xq.subarray(i * kp + K, (i + 1) * kp)).every((v) => v === 0)).toBe(true);
      expect(xs[i]).toBe(scale);
      for (let j = 0; j < N; j++) {
        let acc = 0;
        for (let p0 = 0; p0 < kp; p0 += 512) {
          let block = 0;
          for (let c = p0; c < Math.min(p0 + 512, K); c++) block += wq[j * kp + c] * q[c];
          acc = f(acc + f(block));
        }
        expect(y[i * N + j], `y[${i}][${j}]`).toBe(f(f(acc * ws[j]) * scale));
      }
    }
    expect(y[M * N]).toBe(-1); // nothing written past the last row's n columns
  });

  it('gatherQRows scales the int8 rows of the one-hot input', async () => {
    const k = await instantiateKernels(kernelModule(build));
    const arena = new Arena(k);
    const [V, width] = [6, 23];
    const T = arena.alloc((V * width) / 4 + 1);
    const S = arena.alloc(width);
    const I = arena.alloc(3);
    const D = arena.alloc(3 * width);
    arena.commit();
    const table = arena.i8(T, V * width);
    table.forEach((_, i) => {
      table[i] = ((i * 37) % 255) - 127;
    });
    const scale = arena.f32(S, width);
    scale.forEach((_, i) => {
      scale[i] = 0.01 * (i + 1);
    });
    arena.i32(I, 3).set([4, 0, 4]);
    k.gatherQRows(D, T, width, S, I, 3, width);
    const d = arena.f32(D, 3 * width);
    [4, 0, 4].forEach((row, r) => {
      for (let j = 0; j < width; j++) expect(d[r * width + j]).toBe(f(table[row * width + j] * scale[j]));
    });
  });
});
