/**
 * Where a WASM training step's time goes, phase by phase, for each thread count: every kernel call of
 * the engine (src/backends/wasm/parallel.ts) is timed (wall clock, so a split call includes waking the
 * workers and waiting for the slowest) and filed under its kernel and shape; what is left of the step is
 * the host's own JavaScript. Thread counts alternate round by round, so drift on a shared machine hits
 * all of them; each figure is the median over rounds of the mean ms per step.
 *
 *   npx vite-node bench/profile.bench.ts -- [--cell lstm] [--hidden 256] [--layers 2] [--threads 1,2]
 *     [--rounds 5] [--steps 10]
 */
import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import { WasmEngine } from '../src/backends/wasm/engine.js';
import { Kernels } from '../src/backends/wasm/parallel.js';
import { RecurrentModelCore } from '../src/model/model.js';
import { mix32 } from '../src/model/params.js';
import type { CellType, TokenTensor } from '../src/model/types.js';
import { validateConfig } from '../src/model/validate.js';

const argv = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
};
const cell = flag('cell', 'lstm') as CellType;
const H = Number(flag('hidden', '256'));
const L = Number(flag('layers', '2'));
const threadCounts = flag('threads', '1,2').split(',').map(Number);
const rounds = Number(flag('rounds', '5'));
const steps = Number(flag('steps', '10'));
const V = 28;
const B = 32;
const T = 35;

/** Kernel-and-shape label of one call: the GEMMs by their M x N x K, everything else by name. */
function label(name: string, a: unknown[]): string {
  if (name === 'gemm') return `gemm ${a[7]}x${a[8]}x${a[9]}`;
  if (name === 'gemmPrepacked') return `gemmPrepacked ${a[6]}x${a[7]}x${a[8]}`;
  if (name === 'recurrence')
    return `${a[0]} (${a[0] === 'lstmForwardSeq' || a[0] === 'gruForwardSeq' || a[0] === 'rnnForwardSeq' ? 'h.W_hh^T + cell' : 'cell grad + dG.W_hh'}, per time step)`;
  return name;
}

// Time every method of every Kernels instance; `sink` is the current engine's table.
let sink = new Map<string, number>();
const proto = Kernels.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
for (const name of Object.getOwnPropertyNames(Kernels.prototype)) {
  const f = proto[name];
  if (name === 'constructor' || typeof f !== 'function' || name === 'attach') continue;
  if (Object.getOwnPropertyDescriptor(Kernels.prototype, name)?.get) continue;
  if (name === 'split' || name === 'ranged') continue; // the private helpers the public methods call
  proto[name] = function (this: unknown, ...a: unknown[]) {
    const t0 = performance.now();
    const r = f.apply(this, a);
    const key = label(name, a);
    sink.set(key, (sink.get(key) ?? 0) + performance.now() - t0);
    return r;
  };
}

const tokens = (seed: number): TokenTensor => ({
  shape: [B, T],
  data: Int32Array.from({ length: B * T }, (_, i) => mix32(seed * 7919 + i) % V),
});
const batches = Array.from({ length: 8 }, (_, i) => [tokens(i), tokens(i + 100)]);

const engines = await Promise.all(
  threadCounts.map((threads) =>
    WasmEngine.create(validateConfig({ cell, layers: L, hidden: H, vocabSize: V, seed: 1 }), { threads }),
  ),
);
const models = engines.map((e) => new RecurrentModelCore(e));
const tables = threadCounts.map(() => [] as Array<Map<string, number>>);
const totals = threadCounts.map(() => [] as number[]);
for (let r = 0; r < rounds + 1; r++) {
  for (let i = 0; i < models.length; i++) {
    const m = models[i];
    sink = new Map();
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) {
      const [x, y] = batches[s % batches.length];
      m.trainStep(x, y, { lr: 2, clip: 1 });
    }
    await m.readLoss();
    const ms = (performance.now() - t0) / steps;
    if (r === 0) continue; // warm-up round
    tables[i].push(new Map([...sink].map(([k, v]) => [k, v / steps])));
    totals[i].push(ms);
  }
}
const handed = engines.map((e) => `${e.workerParts} of ${e.threadedTasks * (e.threads - 1)}`);
for (const m of models) m.dispose();

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};
const keys = [...new Set(tables.flatMap((t) => t.flatMap((m) => [...m.keys()])))];
const perKey = (i: number, k: string) => median(tables[i].map((m) => m.get(k) ?? 0));
keys.sort((a, b) => perKey(0, b) - perKey(0, a));
const head = threadCounts.map((t) => `${t} thread${t > 1 ? 's' : ''} ms`);
const speedup = threadCounts.slice(1).map((t) => `×${t}`);
console.log(
  `${cell.toUpperCase()} L${L} H${H} V${V} batch ${B} steps ${T}, ${rounds} rounds x ${steps} training steps; load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
console.log('');
console.log(`| phase (kernel, M x N x K) | ${head.join(' | ')} | ${speedup.map((s) => `speedup ${s}`).join(' | ')} |`);
console.log(`| --- | ${head.map(() => '---:').join(' | ')} | ${speedup.map(() => '---:').join(' | ')} |`);
const row = (name: string, v: number[]) =>
  console.log(
    `| ${name} | ${v.map((x) => x.toFixed(2)).join(' | ')} | ${v
      .slice(1)
      .map((x) => (x > 0 ? `${(v[0] / x).toFixed(2)}` : '–'))
      .join(' | ')} |`,
  );
for (const k of keys)
  row(
    k,
    threadCounts.map((_, i) => perKey(i, k)),
  );
const kernelSum = (i: number) => keys.reduce((s, k) => s + perKey(i, k), 0);
row(
  'host JavaScript (step minus kernels)',
  threadCounts.map((_, i) => median(totals[i]) - kernelSum(i)),
);
row(
  '**whole step**',
  threadCounts.map((_, i) => median(totals[i])),
);
console.log('');
console.log(
  threadCounts
    .map((t, i) => `${t} thread${t > 1 ? 's' : ''}: ${Math.round((B * T * 1000) / median(totals[i]))} tokens/s`)
    .join('; '),
);
// Parts the calling thread computed itself because no worker had started them: on a busy machine, most.
console.log(
  `worker parts computed by the workers (the rest by the calling thread): ${threadCounts
    .map((t, i) => (t > 1 ? `${t} threads ${handed[i]}` : ''))
    .filter(Boolean)
    .join('; ')}`,
);
