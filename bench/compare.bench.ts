/**
 * `npm run bench`: deeprnn against TensorFlow.js and PyTorch on the d2l §9.3 configuration (V 28, H 256,
 * L 2, batch 32, steps 35, SGD lr 2, clip 1, sequential partitioning on The Time Machine's first 10,000
 * tokens), for LSTM, GRU and vanilla RNN: training tokens/s and batch-1 greedy generation chars/s, each
 * measurement in its own process (bench/compare-worker.ts), the order of systems rotated every round so
 * machine drift hits all. Systems with CPU threads (deeprnn-wasm, pytorch) run once per --threads count,
 * in the same rotation. Prints a Markdown section for bench/RESULTS.md and writes SVG charts under
 * bench/charts/.
 *
 *   npm run bench -- [--suite compare|scaling|threads|job|exercise|generate|study|all] [--rounds 3] [--systems a,b]
 *                    [--cells lstm,gru,rnn] [--threads 1,2] [--openblas DIR] [--train-seconds 5]
 *                    [--gen-seconds 2] [--epochs 500] [--quick] [--md FILE]
 *
 * PyTorch (system `pytorch`, d2l's concise RNNModel and train_ch8 loop, bench/pytorch_worker.py) joins
 * the default systems when /usr/bin/python3 imports torch. Debian's python3-torch loads the reference
 * BLAS (~50x slower); unpack OpenBLAS and pass its folder:
 *   cd /tmp && apt-get download libopenblas0-openmp && dpkg -x libopenblas0-openmp_*.deb /tmp/openblas
 *   npm run bench -- --openblas /tmp/openblas
 *
 * --suite scaling: LSTM tokens/s for H in {128, 256, 512} x L in {1, 2, 3} on deeprnn-wasm, same worker.
 * --suite threads: LSTM (L 2) tokens/s for H in {256, 512, 1024} x --threads, deeprnn-wasm and pytorch.
 * --suite job: the README's job, `deeprnn train` (the CLI, --epochs, default 500) against PyTorch's
 * train_ch8 for as many epochs, wall time, per --threads count. --suite exercise runs
 * bench/exercise.bench.ts (d2l's GRU-vs-LSTM exercise); --suite generate bench/generate.bench.ts
 * (f32 / f16 / int8 generation at batch 1, 8, 32 against onnxruntime-web); --suite study
 * bench/study.bench.ts (d2l's "how low can you go" and mixing authors; about an hour, not in 'all'). --quick: one round, short windows (checks the
 * harness, not the numbers).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { barChart } from './charts.js';
import type { System, WorkerResult } from './compare-worker.js';
import {
  argv,
  checkPytorch,
  type Entry,
  entriesOf,
  flag,
  fmt,
  load,
  machine,
  median,
  runWorker,
  spread,
  stamp,
  torchAvailable,
} from './harness.js';
import { job, threadScaling } from './threads.bench.js';

const quick = argv.includes('--quick');
const suite = flag('suite', 'compare');
const rounds = Number(flag('rounds', quick ? '1' : '3'));
const trainSeconds = flag('train-seconds', quick ? '1' : '5');
const genSeconds = flag('gen-seconds', quick ? '0.5' : '2');
const defaultSystems = `deeprnn-wasm,deeprnn-webgpu,tfjs-wasm${torchAvailable ? ',pytorch' : ''}`;
const systems = flag('systems', defaultSystems).split(',') as System[];
const cells = flag('cells', 'lstm,gru,rnn').split(',');
checkPytorch(systems);
const chartDir = 'bench/charts';

interface Cell {
  train: number[];
  gen: number[];
  rss: number[];
  loss: number[];
  first: number[];
  engine?: string;
  failed?: string;
}

function compare(): string {
  const loadBefore = load();
  const t0 = Date.now();
  const cellsBy = new Map<string, Cell>();
  const key = (cell: string, entry: Entry) => `${cell}/${entry.label}`;
  const entries = entriesOf(systems);
  for (let r = 0; r < rounds; r++) {
    for (const cell of cells) {
      // Rotate the order every round (and cell): no entry always runs first or right after another.
      const shift = (r + cells.indexOf(cell)) % entries.length;
      for (const entry of [...entries.slice(shift), ...entries.slice(0, shift)]) {
        const c = cellsBy.get(key(cell, entry)) ?? { train: [], gen: [], rss: [], loss: [], first: [] };
        cellsBy.set(key(cell, entry), c);
        if (c.failed) continue;
        const res = runWorker([
          ...['--system', entry.system, '--cell', cell, '--threads', String(entry.threads)],
          ...['--train-seconds', trainSeconds, '--gen-seconds', genSeconds],
        ]);
        if (typeof res === 'string') {
          c.failed = res;
          console.error(`round ${r + 1} ${cell} ${entry.label}: failed: ${res}`);
          continue;
        }
        c.train.push(res.trainTokensPerSecond);
        c.gen.push(res.genCharsPerSecond);
        c.rss.push(res.peakRssMiB);
        c.loss.push(res.trainLoss);
        c.first.push(res.firstLoss);
        c.engine = res.engine;
        console.error(
          `round ${r + 1} ${cell} ${entry.label}: ${fmt(res.trainTokensPerSecond)} tokens/s, ${fmt(res.genCharsPerSecond)} chars/s, loss ${res.firstLoss.toFixed(3)} -> ${res.trainLoss.toFixed(3)}, ${fmt(res.peakRssMiB)} MiB`,
        );
      }
    }
  }
  const minutes = ((Date.now() - t0) / 60000).toFixed(1);
  const loadAfter = load();

  const base = entries.find((e) => e.system === 'tfjs-wasm') ?? entries.find((e) => e.system.startsWith('tfjs'));
  const torchAt = (threads: number) => entries.find((e) => e.system === 'pytorch' && e.threads === threads);
  const lines: string[] = [];
  const cmd = `npm run bench -- ${argv.join(' ')}`.trim();
  lines.push(
    `## deeprnn vs TensorFlow.js${entries.some((e) => e.system === 'pytorch') ? ' and PyTorch' : ''}, d2l §9.3 configuration — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
  );
  lines.push(
    `Command: \`${cmd}\` (${rounds} round(s), one process per system, thread count, cell and round, order rotated; ${trainSeconds} s of timed training after one warm-up batch, ${genSeconds} s of generation; ${minutes} min in all).`,
    '',
  );
  lines.push(...machine().map((l) => `- ${l}`));
  const engines = [...new Set([...cellsBy.values()].map((c) => c.engine).filter(Boolean))];
  for (const e of engines) lines.push(`- ${e}`);
  lines.push(`- Load average (1, 5, 15 min) before: ${loadBefore}; after: ${loadAfter}`, '');
  lines.push(
    'Training tokens/s and batch-1 greedy generation chars/s: median (min–max) over rounds; `NT` = N CPU threads; × tfjs = deeprnn median / TensorFlow.js-wasm median; × PyTorch = deeprnn median / PyTorch median at the same thread count; loss = training loss of the first batch (every system must start near ln 28 = 3.33) → mean loss of the last timed window (medians); peak RSS = the largest over rounds.',
    '',
  );
  lines.push(
    '| cell | system | training tokens/s | × tfjs | × PyTorch | generation chars/s | × tfjs | loss first → last | peak RSS MiB |',
  );
  lines.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const cell of cells) {
    const b = base ? cellsBy.get(key(cell, base)) : undefined;
    for (const entry of entries) {
      const c = cellsBy.get(key(cell, entry))!;
      if (c.failed && c.train.length === 0) {
        lines.push(`| ${cell} | ${entry.label} | failed: ${c.failed.replace(/\|/g, '/')} | | | | | | |`);
        continue;
      }
      const torch = torchAt(entry.threads);
      const t = torch ? cellsBy.get(key(cell, torch)) : undefined;
      const ratio = (mine: number[], theirs?: number[]) =>
        entry.system.startsWith('deeprnn') && theirs?.length ? `${(median(mine) / median(theirs)).toFixed(2)}×` : '';
      lines.push(
        `| ${cell} | ${entry.label} | ${spread(c.train)} | ${ratio(c.train, b?.train)} | ${ratio(c.train, t?.train)} | ${spread(c.gen)} | ${ratio(c.gen, b?.gen)} | ${median(c.first).toFixed(2)} → ${median(c.loss).toFixed(2)} | ${fmt(Math.max(...c.rss))} |`,
      );
    }
  }
  const bars = (pick: (c: Cell) => number[]) =>
    cells.map((cell) => ({
      label: cell.toUpperCase(),
      bars: entries.map((entry) => {
        const v = pick(cellsBy.get(key(cell, entry))!);
        return {
          label: entry.label,
          value: v.length ? median(v) : NaN,
          min: v.length ? Math.min(...v) : undefined,
          max: v.length ? Math.max(...v) : undefined,
        };
      }),
    }));
  mkdirSync(chartDir, { recursive: true });
  const trainSvg = `${chartDir}/compare-train-${stamp}.svg`;
  const genSvg = `${chartDir}/compare-generate-${stamp}.svg`;
  writeFileSync(
    trainSvg,
    barChart(
      bars((c) => c.train),
      { title: 'Training tokens/s, d2l §9.3 (2 × 256, batch 32, 35 steps)', unit: 'tokens/s' },
    ),
  );
  writeFileSync(
    genSvg,
    barChart(
      bars((c) => c.gen),
      { title: 'Batch-1 greedy generation chars/s (2 × 256)', unit: 'chars/s' },
    ),
  );
  lines.push(
    '',
    `![training tokens/s](${trainSvg.replace('bench/', '')})`,
    '',
    `![generation chars/s](${genSvg.replace('bench/', '')})`,
    '',
  );
  return lines.join('\n');
}

function scaling(): string {
  const loadBefore = load();
  const t0 = Date.now();
  const system = flag('system', 'deeprnn-wasm') as System;
  const hs = [128, 256, 512];
  const ls = [1, 2, 3];
  const grid = new Map<string, WorkerResult | string>();
  for (const L of ls) {
    for (const H of hs) {
      const res = runWorker([
        '--system',
        system,
        '--cell',
        'lstm',
        '--hidden',
        String(H),
        '--layers',
        String(L),
        '--train-seconds',
        trainSeconds,
        '--gen-seconds',
        genSeconds,
      ]);
      grid.set(`${H}/${L}`, res);
      console.error(
        `scaling H ${H} L ${L}: ${typeof res === 'string' ? res : `${fmt(res.trainTokensPerSecond)} tokens/s, ${fmt(res.genCharsPerSecond)} chars/s`}`,
      );
    }
  }
  const lines: string[] = [];
  lines.push(
    `## Scaling on ${system}: LSTM, batch 32, 35 steps — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
  );
  lines.push(
    `Command: \`npm run bench -- ${argv.join(' ')}\` (one process per configuration, ${trainSeconds} s of timed training; ${((Date.now() - t0) / 60000).toFixed(1)} min). ${machine()[0]}. Load average before: ${loadBefore}; after: ${load()}.`,
    '',
  );
  const table = (title: string, pick: (r: WorkerResult) => number) => {
    lines.push(
      `${title}:`,
      '',
      `| layers \\ hidden | ${hs.join(' | ')} |`,
      `| --- | ${hs.map(() => '---:').join(' | ')} |`,
    );
    for (const L of ls)
      lines.push(
        `| ${L} | ${hs
          .map((H) => {
            const r = grid.get(`${H}/${L}`)!;
            return typeof r === 'string' ? 'failed' : fmt(pick(r));
          })
          .join(' | ')} |`,
      );
    lines.push('');
  };
  table('Training tokens/s', (r) => r.trainTokensPerSecond);
  table('Batch-1 greedy generation chars/s', (r) => r.genCharsPerSecond);
  mkdirSync(chartDir, { recursive: true });
  const svg = `${chartDir}/scaling-${stamp}.svg`;
  writeFileSync(
    svg,
    barChart(
      ls.map((L) => ({
        label: `${L} layer${L > 1 ? 's' : ''}`,
        bars: hs.map((H) => {
          const r = grid.get(`${H}/${L}`)!;
          return { label: `H ${H}`, value: typeof r === 'string' ? NaN : r.trainTokensPerSecond };
        }),
      })),
      { title: `Training tokens/s by size, LSTM on ${system}`, unit: 'tokens/s' },
    ),
  );
  lines.push(`![scaling](${svg.replace('bench/', '')})`, '');
  return lines.join('\n');
}

/** A suite of its own file, run as its own process (its Markdown on stdout). */
function separate(file: string): string {
  const r = spawnSync('npx', ['vite-node', file, '--', ...argv], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`${file} failed (exit ${r.status})`);
  return r.stdout;
}

const parts: string[] = [];
if (suite === 'compare' || suite === 'all') parts.push(compare());
if (suite === 'scaling' || suite === 'all') parts.push(scaling());
if (suite === 'threads' || suite === 'all') parts.push(threadScaling());
if (suite === 'job' || suite === 'all') parts.push(job());
if (suite === 'exercise' || suite === 'all') parts.push(separate('bench/exercise.bench.ts'));
if (suite === 'generate' || suite === 'all') parts.push(separate('bench/generate.bench.ts'));
if (suite === 'study') parts.push(separate('bench/study.bench.ts')); // an hour: never part of 'all'
if (parts.length === 0)
  throw new Error(`--suite must be compare, scaling, threads, job, exercise, generate, study or all, got ${suite}`);
const md = parts.join('\n');
process.stdout.write(md);
const mdPath = flag('md', '');
if (mdPath) writeFileSync(mdPath, md);
