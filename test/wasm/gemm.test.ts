// The GEMM kernels against a float64 reference on shapes that cross every blocking edge: fewer than 4
// rows (gemv; gemmWide gives its bits), M past MC = 128, N past NC = 512 and not a multiple of 8, K past KC = 256; row-major and
// transposed A, accumulate on and off, B plain and pre-packed.
import { describe, expect, it } from 'vitest';
import { Arena } from '../../src/backends/wasm/arena.js';
import { instantiateKernels, kernelModule, panelElements, wideElements } from '../../src/backends/wasm/kernels.js';
import { mix32 } from '../../src/model/params.js';
import { expectClose } from '../helpers/fixtures.js';
import { buildsUnderTest } from './builds.js';

const shapes: Array<[number, number, number]> = [
  [1, 33, 7],
  [3, 1030, 300],
  [5, 9, 3],
  [130, 44, 270],
  [13, 1030, 513],
  [4, 8, 1],
];

describe.each(buildsUnderTest())('gemm, %s build', (build) => {
  it('matches a float64 reference', async () => {
    const k = await instantiateKernels(kernelModule(build));
    const arena = new Arena(k);
    const cap = 530_000; // >= the largest M*K, K*N and M*N below
    const A = arena.alloc(cap);
    const B = arena.alloc(cap);
    const W = arena.alloc(cap);
    const P = arena.alloc(panelElements(1100, 1100));
    const P2 = arena.alloc(panelElements(1100, 1100));
    const C = arena.alloc(cap);
    arena.commit();
    const rnd = (i: number) => mix32(i) / 2 ** 32 - 0.5;
    arena.f32(A, cap).forEach((_, i, a) => {
      a[i] = rnd(i);
    });
    arena.f32(B, cap).forEach((_, i, a) => {
      a[i] = rnd(i + cap);
    });
    for (const [M, N, K] of shapes) {
      for (const transA of [false, true]) {
        const a = arena.f32(A, M * K);
        const b = arena.f32(B, K * N);
        const [sam, sak] = transA ? [1, M] : [K, 1];
        const product = new Float64Array(M * N);
        for (let i = 0; i < M; i++) {
          for (let p = 0; p < K; p++) {
            const aip = a[i * sam + p * sak];
            for (let j = 0; j < N; j++) product[i * N + j] += aip * b[p * N + j];
          }
        }
        // W (N, K) = B^T, packed as W^T = B for the prepacked variant.
        const w = arena.f32(W, N * K);
        for (let p = 0; p < K; p++) for (let j = 0; j < N; j++) w[j * K + p] = b[p * N + j];
        k.packPanelsT(P, W, N, K);
        // Packing B itself gives the same panels as packing the transpose of W = B^T.
        k.packPanels(P2, B, K, N);
        const [p1, p2] = [arena.f32(P, panelElements(K, N)), arena.f32(P2, panelElements(K, N))];
        expect(
          p2.findIndex((v, i) => !Object.is(v, p1[i])),
          `packPanels ${K}x${N}: first differing element`,
        ).toBe(-1);
        const c0 = Float32Array.from({ length: M * N }, (_, i) => rnd(i + 7 * cap));
        for (const acc of [0, 1]) {
          const ref = acc ? product.map((v, i) => v + c0[i]) : product;
          for (const prepacked of [false, true]) {
            arena.f32(C, M * N).set(c0);
            if (prepacked) k.gemmPrepacked(C, N, A, sam, sak, P, M, N, K, acc);
            else k.gemm(C, N, A, sam, sak, B, N, M, N, K, acc);
            expectClose(
              arena.f32(C, M * N),
              ref,
              `gemm ${M}x${N}x${K} ${transA ? 'TN' : 'NN'} acc ${acc}${prepacked ? ' prepacked' : ''}`,
            );
          }
        }
      }
    }
  });
});

describe.each(buildsUnderTest())('gemm row by row, %s build', (build) => {
  // Batched generation relies on it: a product over B rows gives each row the bits of that row alone
  // (the blocked kernel from 4 rows, gemv below), also past the 256-deep KC blocks.
  it('gives each row of a many-row product the bits of that row alone', async () => {
    const k = await instantiateKernels(kernelModule(build));
    const arena = new Arena(k);
    const [M, N, K] = [9, 70, 600];
    const A = arena.alloc(M * K);
    const B = arena.alloc(K * N);
    const W = arena.alloc(N * K);
    const P = arena.alloc(panelElements(K, N));
    const C = arena.alloc(M * N);
    const R = arena.alloc(N);
    arena.commit();
    const rnd = (i: number) => mix32(i + 99) / 2 ** 32 - 0.5;
    arena.f32(A, M * K).forEach((_, i, a) => {
      a[i] = rnd(i);
    });
    arena.f32(B, K * N).forEach((_, i, a) => {
      a[i] = rnd(i + M * K);
    });
    const w = arena.f32(W, N * K);
    const b = arena.f32(B, K * N);
    for (let p = 0; p < K; p++) for (let j = 0; j < N; j++) w[j * K + p] = b[p * N + j];
    k.packPanelsT(P, W, N, K);
    const c0 = Float32Array.from({ length: M * N }, (_, i) => rnd(i + 5_000_000));
    for (const acc of [0, 1]) {
      for (const prepacked of [false, true]) {
        arena.f32(C, M * N).set(c0);
        if (prepacked) k.gemmPrepacked(C, N, A, K, 1, P, M, N, K, acc);
        else k.gemm(C, N, A, K, 1, B, N, M, N, K, acc);
        const all = arena.f32(C, M * N).slice();
        for (let i = 0; i < M; i++) {
          arena.f32(R, N).set(c0.subarray(i * N, (i + 1) * N));
          k.gemm(R, N, A + i * K * 4, K, 1, B, N, 1, N, K, acc);
          const row = arena.f32(R, N);
          const differs = row.findIndex((v, j) => !Object.is(v, all[i * N + j]));
          expect(differs, `row ${i}, acc ${acc}${prepacked ? ', prepacked' : ''}: first differing column`).toBe(-1);
        }
      }
    }
  });
});

describe.each(buildsUnderTest())('gemmWide, %s build', (build) => {
  // Batch-1 generation's weight products read W^T in 32-column panels; they must give gemm's bits, so
  // that generation, evaluation and training agree whichever kernel a row count picks.
  it('gives the bits of gemm for 1-3 rows, partial panels, odd K, accumulate on and off', async () => {
    const k = await instantiateKernels(kernelModule(build));
    const arena = new Arena(k);
    const cap = 3 * 1030 * 513;
    const A = arena.alloc(cap);
    const B = arena.alloc(cap);
    const W = arena.alloc(cap);
    const P = arena.alloc(wideElements(1030, 1030));
    const C = arena.alloc(3 * 1100);
    const R = arena.alloc(3 * 1100);
    arena.commit();
    const rnd = (i: number) => mix32(i + 7) / 2 ** 32 - 0.5;
    arena.f32(A, cap).forEach((_, i, a) => {
      a[i] = rnd(i);
    });
    arena.f32(B, cap).forEach((_, i, a) => {
      a[i] = rnd(i + cap);
    });
    for (const N of [1, 28, 32, 33, 70, 1030]) {
      for (const K of [1, 2, 7, 256, 513]) {
        const b = arena.f32(B, K * N);
        const w = arena.f32(W, N * K);
        for (let p = 0; p < K; p++) for (let j = 0; j < N; j++) w[j * K + p] = b[p * N + j];
        k.packWideT(P, W, N, K);
        for (const M of [1, 2, 3]) {
          for (const [sam, sak] of [
            [K, 1],
            [1, M],
          ]) {
            const c0 = Float32Array.from({ length: M * N }, (_, i) => rnd(i + 3 * cap));
            for (const acc of [0, 1]) {
              arena.f32(R, M * N).set(c0);
              k.gemm(R, N, A, sam, sak, B, N, M, N, K, acc);
              arena.f32(C, M * N).set(c0);
              k.gemmWide(C, N, A, sam, sak, P, M, N, K, acc);
              const ref = arena.f32(R, M * N);
              const differs = arena.f32(C, M * N).findIndex((v, i) => !Object.is(v, ref[i]));
              expect(differs, `${M}x${N}x${K} sak ${sak} acc ${acc}: first differing element`).toBe(-1);
            }
          }
        }
      }
    }
  });
});
