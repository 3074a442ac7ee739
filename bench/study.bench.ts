/**
 * d2l §9.3's exercises 3 and 4 as a study (issue 17): "how low can you go on the perplexity scale?" and
 * "what happens when you mix authors?". Char-level models (d2l preprocessing) trained by the CLI itself
 * (`dist/node/cli.js train`, every core), the last 10% of each file held out, reporting the best held-out
 * perplexity per source, tokens/s and wall time, with an SVG of The Time Machine's held-out curve.
 *
 *   npx vite-node bench/study.bench.ts -- [--only name,name] [--epochs-scale 1] [--shakespeare-chars 300000] [--quick]
 *   npm run bench -- --suite study ...
 *
 * Runs: The Time Machine alone with d2l's recipe (2 x 256, SGD lr 2), with Adam without and with dropout, larger
 * (3 x 512); tinyshakespeare's first --shakespeare-chars characters alone; and the two books together,
 * to set each author's held-out perplexity against the model trained on that author alone.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shakespeareText, timeMachineText } from '../test/helpers/data.js';
import { lineChart } from './charts.js';
import { argv, flag, load, machine, stamp } from './harness.js';

const quick = argv.includes('--quick');
const scale = Number(flag('epochs-scale', quick ? '0.1' : '1'));
const shakespeareChars = Number(flag('shakespeare-chars', quick ? '30000' : '300000'));
const only = flag('only', '');
const cli = 'dist/node/cli.js';
if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);

const dir = mkdtempSync(join(tmpdir(), 'deeprnn-study-'));
const TM = join(dir, 'timemachine.txt');
const SH = join(dir, 'tinyshakespeare.txt');
writeFileSync(TM, quick ? timeMachineText().slice(0, 40_000) : timeMachineText());
writeFileSync(SH, shakespeareText().slice(0, shakespeareChars));
const sourceName: Record<string, string> = { [TM]: 'The Time Machine', [SH]: 'tinyshakespeare' };

const adam = ['--optimizer', 'adam', '--lr', '0.002', '--dropout', '0.3', '--patience', '4'];
const runs: Array<{ name: string; data: string[]; flags: string[]; epochs: number }> = [
  { name: 'TM, 2×256, SGD lr 2 (d2l)', data: [TM], flags: ['--lr', '2'], epochs: 20 },
  { name: 'TM, 2×256, Adam, no dropout', data: [TM], flags: [...adam.slice(0, 4), ...adam.slice(6)], epochs: 25 },
  { name: 'TM, 2×256, Adam, dropout 0.3', data: [TM], flags: adam, epochs: 25 },
  {
    name: 'TM, 3×512, Adam, dropout 0.3',
    data: [TM],
    flags: ['--layers', '3', '--hidden', '512', ...adam.slice(0, 2), '--lr', '0.001', ...adam.slice(4)],
    epochs: 8,
  },
  { name: 'Shakespeare, 2×256, Adam, dropout 0.3', data: [SH], flags: adam, epochs: 12 },
  { name: 'TM + Shakespeare, 2×256, Adam, dropout 0.3', data: [TM, SH], flags: adam, epochs: 12 },
].filter((r) => !only || only.split(',').some((o) => r.name.toLowerCase().includes(o.toLowerCase())));

interface Result {
  name: string;
  epochs: number;
  best: Record<string, { perplexity: number; epoch: number }>;
  tokensPerSecond: number;
  minutes: number;
  curve: Array<[number, number]>;
  stoppedEarly: boolean;
}

/** The run's per-epoch validation perplexity of each source, from the CSV the CLI writes. */
function curves(csv: string, data: string[]): Record<string, Array<[number, number]>> {
  const [header, ...rows] = csv.trim().split('\n');
  const cols = header.split(',');
  const out: Record<string, Array<[number, number]>> = {};
  for (const path of data) {
    const col = data.length === 1 ? cols.indexOf('val_perplexity') : cols.findIndex((c) => c.includes(path));
    out[path] = rows.map((r) => {
      const v = r.split(',');
      return [Number(v[0]), Number(v[col])] as [number, number];
    });
  }
  return out;
}

const before = load();
const t0 = Date.now();
const results: Result[] = [];
for (const run of runs) {
  const out = join(dir, `run-${results.length}.safetensors`);
  const epochs = Math.max(1, Math.round(run.epochs * scale));
  const args = [cli, 'train', ...run.data.flatMap((d) => ['--data', d]), '--val-frac', '0.1', '--max-tokens', '0'];
  args.push(...run.flags, '--epochs', String(epochs), '--json', '--out', out);
  const started = Date.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 7_200_000, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${run.name}: exit ${r.status}: ${r.stderr.trim().split('\n').at(-1)}`);
  const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  const perSource = curves(readFileSync(out.replace(/\.safetensors$/, '.perplexity.csv'), 'utf8'), run.data);
  const best: Result['best'] = {};
  for (const [path, points] of Object.entries(perSource)) {
    const [epoch, perplexity] = points.reduce((a, p) => (p[1] < a[1] ? p : a));
    best[sourceName[path]] = { perplexity, epoch };
  }
  const result: Result = {
    name: run.name,
    epochs: summary.epochs,
    best,
    tokensPerSecond: summary.tokensPerSecond,
    minutes: (Date.now() - started) / 60000,
    curve: perSource[TM] ?? [],
    stoppedEarly: summary.stoppedEarly,
  };
  results.push(result);
  console.error(`${run.name}: ${JSON.stringify(result.best)}, ${result.minutes.toFixed(1)} min`);
}
rmSync(dir, { recursive: true, force: true });

const sources = ['The Time Machine', 'tinyshakespeare'];
const fmt = (b: { perplexity: number; epoch: number } | undefined) =>
  b ? `${b.perplexity.toFixed(3)} (epoch ${b.epoch})` : '';
const lines = [
  `## How low can you go: char-level held-out perplexity, one and two authors — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
  '',
  `Command: \`npx vite-node bench/study.bench.ts -- ${argv.join(' ')}\` (${((Date.now() - t0) / 60000).toFixed(1)} min). Each run is \`deeprnn train --data ... --val-frac 0.1 --max-tokens 0\` with the flags named (batch 32, 35 steps, clip 1, sequential partitioning, every core); held out: the last 10% of each file (the whole Time Machine; tinyshakespeare's first ${shakespeareChars.toLocaleString('en-US')} characters); best = the lowest held-out perplexity over the epochs, which --keep-best keeps. ${machine()[0]}; load average before: ${before}; after: ${load()}.`,
  '',
  `| run | epochs | best held-out, ${sources.join(' | best held-out, ')} | tokens/s | minutes |`,
  '| --- | ---: | ---: | ---: | ---: | ---: |',
  ...results.map(
    (r) =>
      `| ${r.name} | ${r.epochs}${r.stoppedEarly ? ' (stopped early)' : ''} | ${sources.map((s) => fmt(r.best[s])).join(' | ')} | ${Math.round(r.tokensPerSecond).toLocaleString('en-US')} | ${r.minutes.toFixed(1)} |`,
  ),
];
mkdirSync('bench/charts', { recursive: true });
const svg = `bench/charts/study-${stamp}.svg`;
writeFileSync(
  svg,
  lineChart(
    results.filter((r) => r.curve.length > 0).map((r, i) => ({ label: r.name, colorKey: String(i), points: r.curve })),
    { title: 'Held-out perplexity of The Time Machine per epoch', xLabel: 'epoch', yLabel: 'perplexity', width: 1000 },
  ),
);
lines.push('', `![held-out perplexity per epoch](${svg.replace('bench/', '')})`, '');
process.stdout.write(`${lines.join('\n')}\n`);
