/**
 * Batch-1 generation from a model trained on WebGPU (d2l §9.3: LSTM 2 x 256 on The Time Machine's first
 * 10,000 tokens, a few SGD steps on the GPU first): through LanguageModel.generate, which runs on the
 * lazily synced WASM copy (src/lm/wasm-copy.ts), against the same generation loop on the GPU model
 * itself (one submit and one readback per character, as before). Greedy, prefix "time traveller ",
 * at least --seconds each; wall and this process's CPU time.
 *
 *   XDG_RUNTIME_DIR=/tmp/xdg npx vite-node bench/webgpu-generate.bench.ts -- [--seconds 3]
 */
import { loadavg } from 'node:os';
import { LanguageModel, SeqDataLoader, buildCorpus } from '../src/index.js';
import { generateTokens } from '../src/lm/generate.js';
import { timeMachineText } from '../test/helpers/data.js';

const argv = process.argv.slice(2);
const seconds = Number(argv[argv.indexOf('--seconds') + 1] || 3);
const PREFIX = 'time traveller ';

const corpus = await buildCorpus(timeMachineText(), { maxTokens: 10_000 });
const lm = await LanguageModel.create(corpus.vocab, { cell: 'lstm', layers: 2, hidden: 256, backend: 'webgpu' });
const loader = new SeqDataLoader(corpus.tokens, 32, 35, 'sequential', 0);
let steps = 0;
for (const { x, y } of loader.epoch(0)) {
  lm.model.trainStep(x, y, { lr: 2, clip: 1 });
  if (++steps === 20) break;
}
await lm.model.readLoss();

/** chars/s of `generate(n)` over at least `seconds`, n doubling from 100. */
async function measure(generate: (n: number) => Promise<unknown>) {
  await generate(50); // warm-up (and the copy's first sync)
  let chars = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let n = 100; performance.now() - start < seconds * 1000; n *= 2) {
    await generate(n);
    chars += n;
  }
  const wall = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  return { wall: chars / wall, cpu: chars / ((used.user + used.system) / 1e6) };
}

const before = loadavg().map((l) => l.toFixed(2));
const copy = await measure((n) => lm.generate(PREFIX, { length: n, greedy: true }));
const gpu = await measure(async (n) => {
  for await (const _ of generateTokens(() => lm.model, lm.vocab, lm.encodePiece(PREFIX), PREFIX, {
    length: n,
    greedy: true,
  }));
});
const fmt = (r: { wall: number; cpu: number }) =>
  `${r.wall.toFixed(0)} chars/s wall, ${r.cpu.toFixed(0)} chars/s CPU time`;
console.log(`LSTM 2 x 256 after ${steps} SGD steps on ${lm.backend}; load average ${before.join(', ')}`);
console.log(`LanguageModel.generate (WASM copy): ${fmt(copy)}`);
console.log(`per-token GPU forward (before):     ${fmt(gpu)}`);
lm.dispose();
