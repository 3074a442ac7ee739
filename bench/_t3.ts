import { performance } from 'node:perf_hooks';
import { WasmEngine } from '../src/backends/wasm/engine.js';
import { RecurrentModelCore } from '../src/model/model.js';
import { mix32 } from '../src/model/params.js';
import { validateConfig } from '../src/model/validate.js';
const V = 28, B = 32, T = 35;
const tok = (seed: number) => ({ shape: [B, T] as [number, number], data: Int32Array.from({ length: B * T }, (_, i) => mix32(seed * 7919 + i) % V) });
const cfg = validateConfig({ cell: 'lstm', layers: 2, hidden: 256, vocabSize: V, seed: 1 });
const variants: Array<[string, any]> = [['1 thread', { threads: 1 }], ['2 threads, nothing split', { threads: 2, minWork: Infinity }], ['2 threads', { threads: 2 }]];
const models = await Promise.all(variants.map(async ([, o]) => new RecurrentModelCore(await WasmEngine.create(cfg, o))));
const res = variants.map(() => [] as number[]);
const cpu = variants.map(() => [] as number[]);
for (let r = 0; r < 4; r++) for (let i = 0; i < models.length; i++) {
  const c0 = process.cpuUsage(); const t0 = performance.now();
  for (let s = 0; s < 3; s++) models[i].trainStep(tok(s), tok(s + 1), { lr: 2, clip: 1 });
  const dt = (performance.now() - t0) / 3; const c = process.cpuUsage(c0); 
  if (r > 0) { res[i].push(dt); cpu[i].push((c.user + c.system) / 1000 / 3); }
}
variants.forEach(([n], i) => console.log(n, res[i].map((x) => x.toFixed(0)).join(' '), 'ms/step; cpu', cpu[i].map((x) => x.toFixed(0)).join(' ')));
for (const m of models) m.dispose();
