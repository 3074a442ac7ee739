/**
 * WebGPU backend benchmark: training tokens/s, ms per step and dispatches per step for the d2l 9.3
 * configuration (V 28, H 256, L 2, batch 32, steps 35, SGD lr 2, clip 1), per cell. Steps are submitted
 * back to back with no readback (as training runs); the clock stops when readLoss() has the loss.
 *
 *   XDG_RUNTIME_DIR=/tmp/xdg npx vite-node bench/webgpu.bench.ts [--cells lstm,gru,rnn] [--steps 10] [--profile]
 *
 * --profile adds the GPU time of one training step per kernel (timestamp queries, one pass per dispatch).
 *
 * On a shared machine wall-clock figures swing with other processes' load, so it also reports the CPU
 * time of lavapipe's worker threads per step (Linux: /proc/self/task, all threads but the main one, which
 * only encodes and busy-polls): that figure does not depend on contention.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { mix32 } from '../src/model/params.js';
import type { CellType, TokenTensor } from '../src/model/types.js';
import { WebGpuModel, requestDevice } from '../src/backends/webgpu/index.js';

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => (args.includes(name) ? args[args.indexOf(name) + 1] : def);
const cells = opt('--cells', 'lstm,gru,rnn').split(',') as CellType[];
const steps = Number(opt('--steps', '10'));
const profile = args.includes('--profile');
const [V, H, L, B, T] = [28, 256, 2, 32, 35];

const tokens = (seed: number): TokenTensor => ({
  shape: [B, T],
  data: Int32Array.from({ length: B * T }, (_, i) => mix32(seed * 7919 + i) % V),
});

const TICK_MS = 10; // USER_HZ = 100 on Linux

/** CPU milliseconds of every thread of this process except the main one, or NaN off Linux. */
function workerCpuMs(): number {
  if (!existsSync('/proc/self/task')) return NaN;
  let ticks = 0;
  for (const tid of readdirSync('/proc/self/task')) {
    if (Number(tid) === process.pid) continue;
    try {
      const fields = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {
      // the thread exited
    }
  }
  return ticks * TICK_MS;
}

const { device, adapter } = await requestDevice(profile ? ['timestamp-query'] : []);
console.log(`adapter: ${adapter.description}${adapter.fallback ? ' (fallback)' : ''}`);
try {
  for (const cell of cells) {
    const model = await WebGpuModel.create({ cell, layers: L, hidden: H, vocabSize: V }, { device });
    const batches = Array.from({ length: 4 }, (_, i) => [tokens(2 * i), tokens(2 * i + 1)]);
    const train = (i: number): void =>
      model.trainStep(batches[i % 4][0], batches[i % 4][1], { optimizer: 'sgd', lr: 2, clip: 1 });
    train(0);
    train(1);
    await model.readLoss();
    const t0 = performance.now();
    const c0 = workerCpuMs();
    for (let i = 0; i < steps; i++) train(i);
    const { loss } = await model.readLoss();
    const sec = (performance.now() - t0) / 1000;
    const cpuMs = (workerCpuMs() - c0) / steps;
    const f0 = performance.now();
    await model.forward(batches[0][0]);
    const fwd = performance.now() - f0;
    console.log(
      `${cell}: ${((steps * B * T) / sec).toFixed(0)} tokens/s, ${((sec / steps) * 1000).toFixed(1)} ms/step, ` +
        `${model.dispatchesPerStep(B, T)} dispatches/step, lavapipe CPU ${cpuMs.toFixed(0)} ms/step (${(((B * T) / cpuMs) * 1000).toFixed(0)} tokens per CPU-second), ` +
        `forward+readback ${fwd.toFixed(1)} ms, loss ${loss.toFixed(3)}`,
    );
    if (profile) {
      const byKernel = Object.entries(await model.profileTrainStep(batches[0][0], batches[0][1], 2, 1)).sort(
        (a, b) => b[1] - a[1],
      );
      const total = byKernel.reduce((s, [, ms]) => s + ms, 0);
      console.log(
        `  GPU time per kernel (one step, ${total.toFixed(0)} ms): ` +
          byKernel.map(([k, ms]) => `${k} ${ms.toFixed(1)} ms (${((100 * ms) / total).toFixed(0)}%)`).join(', '),
      );
    }
    model.dispose();
  }
} finally {
  device.destroy();
}
