/**
 * `npm run bench`: deeprnn against TensorFlow.js on the d2l §9.3 configuration (V 28, H 256, L 2, batch 32,
 * steps 35, SGD lr 2, clip 1, sequential partitioning on The Time Machine's first 10,000 tokens), for LSTM,
 * GRU and vanilla RNN: training tokens/s and batch-1 greedy generation chars/s, each measurement in its own
 * process (bench/compare-worker.ts), the order of systems rotated every round so machine drift hits all.
 * Prints a Markdown section for bench/RESULTS.md and writes its SVG charts under bench/charts/.
 *
 *   npm run bench -- [--suite compare|scaling|exercise|all] [--rounds 3] [--systems a,b] [--cells lstm,gru,rnn]
 *                    [--train-seconds 5] [--gen-seconds 2] [--quick] [--md FILE]
 *
 * --suite scaling: LSTM tokens/s for H in {128, 256, 512} x L in {1, 2, 3} on deeprnn-wasm (the fastest
 * backend on this machine), same worker. --suite exercise runs bench/exercise.bench.ts (d2l's GRU-vs-LSTM
 * exercise). --quick: one round, short windows (checks the harness, not the numbers).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { barChart } from './charts.js';
import type { System, WorkerResult } from './compare-worker.js';

const argv = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
};
const quick = argv.includes('--quick');
const suite = flag('suite', 'compare');
const rounds = Number(flag('rounds', quick ? '1' : '3'));
const trainSeconds = flag('train-seconds', quick ? '1' : '5');
const genSeconds = flag('gen-seconds', quick ? '0.5' : '2');
const systems = flag('systems', 'deeprnn-wasm,deeprnn-webgpu,tfjs-wasm').split(',') as System[];
const cells = flag('cells', 'lstm,gru,rnn').split(',');
const stamp = new Date().toISOString().slice(0, 16).replace(/[T:]/g, '-');
const chartDir = 'bench/charts';

function runWorker(args: string[]): WorkerResult | string {
  const r = spawnSync('npx', ['vite-node', 'bench/compare-worker.ts', '--', ...args], {
    encoding: 'utf8',
    env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' },
    maxBuffer: 64 << 20,
    timeout: 600_000,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (line) return JSON.parse(line.slice(7)) as WorkerResult;
  // Emscripten (tfjs-wasm) prints its whole JS source with an uncaught error: keep the message lines.
  const why = `${r.stderr}\n${r.stdout}`
    .split('\n')
    .filter((l) => /Error|error:/.test(l) && l.length < 400)
    .slice(0, 3)
    .join(' | ');
  return why || `exit ${r.status ?? r.signal}`;
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};
const fmt = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '–');
const spread = (v: number[]) => (v.length ? `${fmt(median(v))} (${fmt(Math.min(...v))}–${fmt(Math.max(...v))})` : '–');

function machine(): string[] {
  const cpu =
    readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  return [`CPU: ${cpu}, ${cpus().length} cores; Node ${process.version}`];
}
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');

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
  const key = (cell: string, system: string) => `${cell}/${system}`;
  for (let r = 0; r < rounds; r++) {
    for (const cell of cells) {
      // Rotate the order every round (and cell): no system always runs first or right after another.
      const shift = (r + cells.indexOf(cell)) % systems.length;
      for (const system of [...systems.slice(shift), ...systems.slice(0, shift)]) {
        const c = cellsBy.get(key(cell, system)) ?? { train: [], gen: [], rss: [], loss: [], first: [] };
        cellsBy.set(key(cell, system), c);
        if (c.failed) continue;
        const res = runWorker([
          '--system',
          system,
          '--cell',
          cell,
          '--train-seconds',
          trainSeconds,
          '--gen-seconds',
          genSeconds,
        ]);
        if (typeof res === 'string') {
          c.failed = res;
          console.error(`round ${r + 1} ${cell} ${system}: failed: ${res}`);
          continue;
        }
        c.train.push(res.trainTokensPerSecond);
        c.gen.push(res.genCharsPerSecond);
        c.rss.push(res.peakRssMiB);
        c.loss.push(res.trainLoss);
        c.first.push(res.firstLoss);
        c.engine = res.engine;
        console.error(
          `round ${r + 1} ${cell} ${system}: ${fmt(res.trainTokensPerSecond)} tokens/s, ${fmt(res.genCharsPerSecond)} chars/s, loss ${res.firstLoss.toFixed(3)} -> ${res.trainLoss.toFixed(3)}, ${fmt(res.peakRssMiB)} MiB`,
        );
      }
    }
  }
  const minutes = ((Date.now() - t0) / 60000).toFixed(1);
  const loadAfter = load();

  const base = systems.find((s) => s.startsWith('tfjs-wasm')) ?? systems.find((s) => s.startsWith('tfjs'));
  const lines: string[] = [];
  const cmd = `npm run bench -- ${argv.join(' ')}`.trim();
  lines.push(
    `## deeprnn vs TensorFlow.js, d2l §9.3 configuration — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
  );
  lines.push(
    `Command: \`${cmd}\` (${rounds} round(s), one process per system, cell and round, order rotated; ${trainSeconds} s of timed training after one warm-up batch, ${genSeconds} s of generation; ${minutes} min in all).`,
    '',
  );
  lines.push(...machine().map((l) => `- ${l}`));
  const engines = [...new Set([...cellsBy.values()].map((c) => c.engine).filter(Boolean))];
  for (const e of engines) lines.push(`- ${e}`);
  lines.push(`- Load average (1, 5, 15 min) before: ${loadBefore}; after: ${loadAfter}`, '');
  lines.push(
    'Training tokens/s and batch-1 greedy generation chars/s: median (min–max) over rounds; ratio = deeprnn median / TensorFlow.js-wasm median; loss = training loss of the first batch (every system must start near ln 28 = 3.33) → mean loss of the last timed window (medians); peak RSS = the largest over rounds.',
    '',
  );
  lines.push(
    '| cell | system | training tokens/s | ratio | generation chars/s | ratio | loss first → last | peak RSS MiB |',
  );
  lines.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const cell of cells) {
    const b = base ? cellsBy.get(key(cell, base)) : undefined;
    for (const system of systems) {
      const c = cellsBy.get(key(cell, system))!;
      if (c.failed && c.train.length === 0) {
        lines.push(`| ${cell} | ${system} | failed: ${c.failed.replace(/\|/g, '/')} | | | | | |`);
        continue;
      }
      const ratio = (mine: number[], theirs?: number[]) =>
        system.startsWith('deeprnn') && theirs?.length ? `${(median(mine) / median(theirs)).toFixed(1)}×` : '';
      lines.push(
        `| ${cell} | ${system} | ${spread(c.train)} | ${ratio(c.train, b?.train)} | ${spread(c.gen)} | ${ratio(c.gen, b?.gen)} | ${median(c.first).toFixed(2)} → ${median(c.loss).toFixed(2)} | ${fmt(Math.max(...c.rss))} |`,
      );
    }
  }
  const bars = (pick: (c: Cell) => number[]) =>
    cells.map((cell) => ({
      label: cell.toUpperCase(),
      bars: systems.map((system) => {
        const v = pick(cellsBy.get(key(cell, system))!);
        return {
          label: system,
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

function exercise(): string {
  const r = spawnSync('npx', ['vite-node', 'bench/exercise.bench.ts', '--', ...argv], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`exercise failed (exit ${r.status})`);
  return r.stdout;
}

const parts: string[] = [];
if (suite === 'compare' || suite === 'all') parts.push(compare());
if (suite === 'scaling' || suite === 'all') parts.push(scaling());
if (suite === 'exercise' || suite === 'all') parts.push(exercise());
if (parts.length === 0) throw new Error(`--suite must be compare, scaling, exercise or all, got ${suite}`);
const md = parts.join('\n');
process.stdout.write(md);
const mdPath = flag('md', '');
if (mdPath) writeFileSync(mdPath, md);
