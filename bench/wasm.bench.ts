/**
 * CPU backend benchmark (single thread): GEMM GFLOP/s, training tokens/s and batch-1 greedy generation
 * chars/s for the d2l 9.3 configuration (V 28, H 256, L 2, batch 32, steps 35, SGD lr 2, clip 1), GRU and
 * RNN, and H 512 / 3 layers. GFLOP/s counts 2*M*N*K per matmul.
 *
 *   npx vite-node bench/wasm.bench.ts [--build nn|nn-relaxed] [--quick]
 *
 * --build nn-relaxed turns on V8's relaxed-SIMD flag in-process (Node 20 rejects it otherwise).
 */
import { setFlagsFromString } from 'node:v8';
import { performance } from 'node:perf_hooks';
import { createWasmModel } from '../src/backends/wasm/index.js';
import { Arena } from '../src/backends/wasm/arena.js';
import { loadavg } from 'node:os';
import {
  instantiateKernels,
  kernelModule,
  panelElements,
  wideElements,
  type KernelBuild,
} from '../src/backends/wasm/kernels.js';
import { gateCount, mix32 } from '../src/model/params.js';
import type { CellType, TokenTensor } from '../src/model/types.js';

const args = process.argv.slice(2);
const build = (args.includes('--build') ? args[args.indexOf('--build') + 1] : 'nn') as KernelBuild;
const quick = args.includes('--quick');
if (build === 'nn-relaxed') setFlagsFromString('--experimental-wasm-relaxed-simd');

const tokens = (seed: number, B: number, T: number, V: number): TokenTensor => ({
  shape: [B, T],
  data: Int32Array.from({ length: B * T }, (_, i) => mix32(seed * 7919 + i) % V),
});

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/**
 * Seconds per call of f, over at least `minSeconds` after `warm` calls: wall clock, and this process's
 * CPU time (on a shared machine the gap between the two is time other processes took the core).
 */
function time(f: () => void, warm: number, minSeconds: number): { wall: number; cpu: number } {
  for (let i = 0; i < warm; i++) f();
  let n = 0;
  const c0 = cpuSeconds();
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < minSeconds * 1000) {
    f();
    n++;
    t = performance.now();
  }
  return { wall: (t - t0) / 1000 / n, cpu: (cpuSeconds() - c0) / n };
}

async function gemmBench(): Promise<void> {
  const k = await instantiateKernels(kernelModule(build));
  const a = new Arena(k);
  // [what, M, N, K, how]: 'packed' = gemmPrepacked on W^T in panels (forward products of the model),
  // 'nn' = gemm on a row-major B (backward dG.W; at 1 row, gemv), 'tn' = gemm on a transposed A (weight
  // gradients), 'wide' = gemmWide on W^T in 32-column panels (batch-1 generation's products).
  const shapes: Array<[string, number, number, number, 'packed' | 'nn' | 'tn' | 'wide']> = [
    ['input projection X.W_ih^T (TB 1120, 4H 1024, H 256)', 1120, 1024, 256, 'packed'],
    ['recurrent step h.W_hh^T (B 32, 4H 1024, H 256)', 32, 1024, 256, 'packed'],
    ['backward step dG.W_hh (B 32, H 256, 4H 1024)', 32, 256, 1024, 'nn'],
    ['weight grad dG^T.H (4H 1024, H 256, TB 1120)', 1024, 256, 1120, 'tn'],
    ['generation h.W^T (1, 4H 1024, H 256), row-major W^T (gemv)', 1, 1024, 256, 'nn'],
    ['generation h.W^T (1, 4H 1024, H 256), wide panels (gemmWide)', 1, 1024, 256, 'wide'],
  ];
  const A = a.alloc(1120 * 1024);
  const B = a.alloc(1120 * 1024);
  const P = a.alloc(Math.max(panelElements(1024, 1024), wideElements(1024, 1024)));
  const C = a.alloc(1120 * 1024);
  a.commit();
  a.f32(A, 1120 * 1024).forEach((_, i, arr) => {
    arr[i] = (i % 17) / 17;
  });
  a.f32(B, 1120 * 1024).forEach((_, i, arr) => {
    arr[i] = (i % 13) / 13;
  });
  for (const [what, M, N, K, how] of shapes) {
    if (how === 'packed') k.packPanelsT(P, B, N, K);
    if (how === 'wide') k.packWideT(P, B, N, K);
    const run =
      how === 'packed'
        ? () => k.gemmPrepacked(C, N, A, K, 1, P, M, N, K, 0)
        : how === 'wide'
          ? () => k.gemmWide(C, N, A, K, 1, P, M, N, K, 0)
          : how === 'nn'
            ? () => k.gemm(C, N, A, K, 1, B, N, M, N, K, 0)
            : () => k.gemm(C, N, A, 1, M, B, N, M, N, K, 0);
    const t = time(run, 3, quick ? 0.2 : 0.7);
    const fl = (2 * M * N * K) / 1e9;
    console.log(
      `gemm  ${what}: ${(fl / t.wall).toFixed(1)} GFLOP/s (${(t.wall * 1e6).toFixed(0)} us; CPU time ${(fl / t.cpu).toFixed(1)})`,
    );
  }
}

/** FLOPs of one training step (forward + backward GEMMs), 2*M*N*K each, as the kernels call them. */
function trainFlops(cell: CellType, L: number, H: number, V: number, B: number, T: number): number {
  const GH = gateCount(cell) * H;
  const TB = B * T;
  let f = 2 * TB * H * V * 3; // logits, d logits.W, dW_lin
  for (let l = 0; l < L; l++) {
    f += 2 * TB * H * GH * 2; // h.W_hh^T per step, dG^T.H for dW_hh
    f += 2 * (T - 1) * B * GH * H; // dG.W_hh per step (none at t = 0: the carried state is detached)
    if (l > 0) f += 2 * TB * H * GH * 3; // input projection, dW_ih, d input
  }
  return f;
}

function forwardFlops(cell: CellType, L: number, H: number, V: number): number {
  const GH = gateCount(cell) * H;
  return 2 * H * V + L * 2 * H * GH + (L - 1) * 2 * H * GH;
}

async function trainBench(cell: CellType, L: number, H: number): Promise<void> {
  const V = 28;
  const B = 32;
  const T = 35;
  const m = await createWasmModel({ cell, layers: L, hidden: H, vocabSize: V, seed: 1 }, { build });
  const batches = Array.from({ length: 8 }, (_, i) => [tokens(i, B, T, V), tokens(i + 100, B, T, V)]);
  let i = 0;
  const sec = time(
    () => {
      const [x, y] = batches[i++ % batches.length];
      m.trainStep(x, y, { optimizer: 'sgd', lr: 2, clip: 1 });
    },
    2,
    quick ? 1 : 4,
  );
  const f = trainFlops(cell, L, H, V, B, T) / 1e9;
  console.log(
    `train ${cell} L${L} H${H} B${B} T${T}: ${((B * T) / sec.wall).toFixed(0)} tokens/s, ${(sec.wall * 1000).toFixed(1)} ms/step, ` +
      `${(f / sec.wall).toFixed(1)} GFLOP/s (CPU time: ${((B * T) / sec.cpu).toFixed(0)} tokens/s, ${(f / sec.cpu).toFixed(1)} GFLOP/s)`,
  );
  m.dispose();
}

async function generateBench(cell: CellType, L: number, H: number): Promise<void> {
  const V = 28;
  const m = await createWasmModel({ cell, layers: L, hidden: H, vocabSize: V, seed: 1 }, { build });
  const x: TokenTensor = { shape: [1, 1], data: new Int32Array(1) };
  await m.forward(x, null);
  const generate = async (n: number) => {
    for (let s = 0; s < n; s++) {
      const { logits } = await m.forward(x);
      let best = 0;
      for (let v = 1; v < V; v++) if (logits[v] > logits[best]) best = v;
      x.data[0] = best;
    }
  };
  await generate(300); // until V8 has optimized the call path
  // Median of 5 rounds: one round hit by another process's burst does not set the figure.
  const rounds: Array<{ wall: number; cpu: number }> = [];
  const n = quick ? 200 : 1000;
  for (let r = 0; r < 5; r++) {
    const c0 = cpuSeconds();
    const t0 = performance.now();
    await generate(n);
    rounds.push({ wall: (performance.now() - t0) / 1000 / n, cpu: (cpuSeconds() - c0) / n });
  }
  rounds.sort((a, b) => a.wall - b.wall);
  const { wall: sec, cpu } = rounds[2];
  console.log(
    `generate ${cell} L${L} H${H} batch 1 greedy: ${(1 / sec).toFixed(0)} chars/s (${(sec * 1e6).toFixed(1)} us/char, ` +
      `${(forwardFlops(cell, L, H, V) / sec / 1e9).toFixed(1)} GFLOP/s; CPU time: ${(1 / cpu).toFixed(0)} chars/s)`,
  );
  m.dispose();
}

console.log(
  `build ${build}, node ${process.version}, load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
await gemmBench();
await trainBench('lstm', 2, 256);
await generateBench('lstm', 2, 256);
if (!quick) {
  await trainBench('gru', 2, 256);
  await trainBench('rnn', 2, 256);
  await trainBench('lstm', 3, 512);
  await generateBench('gru', 2, 256);
  await generateBench('lstm', 3, 512);
}
