/**
 * The CPU-thread suites of `npm run bench` (issue 13), each measurement in a process of its own, the
 * order rotated every round:
 *   --suite threads  LSTM (L 2, batch 32, 35 steps) training tokens/s for H in --hidden-sizes (default
 *                    256, 512, 1024) x --threads, on deeprnn-wasm and PyTorch (when torch imports).
 *   --suite job      the README's job: `deeprnn train` (dist/node/cli.js, d2l defaults, --epochs,
 *                    default 500) against PyTorch's train_ch8 for as many epochs on the same tokens,
 *                    wall time, per --threads count. Needs `npm run build` first.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkerResult } from './compare-worker.js';
import {
  argv,
  type Entry,
  entriesOf,
  flag,
  fmt,
  load,
  machine,
  median,
  openblas,
  runWorker,
  threadCounts,
  torchAvailable,
} from './harness.js';

const quick = argv.includes('--quick');
const rounds = Number(flag('rounds', quick ? '1' : '3'));
const trainSeconds = flag('train-seconds', quick ? '1' : '5');
const command = `npm run bench -- ${argv.join(' ')}`.trim();
const now = () => new Date().toISOString().slice(0, 16).replace('T', ' ');

/** deeprnn-wasm and, where torch imports, pytorch: each at every --threads count. */
function peers(): Entry[] {
  return entriesOf(torchAvailable ? ['deeprnn-wasm', 'pytorch'] : ['deeprnn-wasm']);
}

/** Runs `measure` for every entry, `rounds` times, rotating the order each round; medians by entry. */
function rotated<T>(entries: Entry[], times: number, measure: (e: Entry) => T | string): Map<Entry, T[]> {
  const out = new Map<Entry, T[]>(entries.map((e) => [e, []]));
  for (let r = 0; r < times; r++) {
    const shift = r % entries.length;
    for (const e of [...entries.slice(shift), ...entries.slice(0, shift)]) {
      const v = measure(e);
      if (typeof v === 'string') console.error(`round ${r + 1} ${e.label}: failed: ${v}`);
      else out.get(e)!.push(v);
    }
  }
  return out;
}

const ratio = (a: number[], b: number[]) => (a.length && b.length ? `${(median(a) / median(b)).toFixed(2)}×` : '–');

export function threadScaling(): string {
  const before = load();
  const t0 = Date.now();
  const hs = flag('hidden-sizes', '256,512,1024').split(',').map(Number);
  const entries = peers();
  const byH = new Map<number, Map<Entry, number[]>>();
  for (const H of hs) {
    byH.set(
      H,
      rotated(entries, rounds, (e) => {
        const r = runWorker([
          ...['--system', e.system, '--threads', String(e.threads), '--cell', 'lstm', '--hidden', String(H)],
          ...['--layers', '2', '--train-seconds', trainSeconds, '--no-gen'],
        ]);
        if (typeof r !== 'string') console.error(`H ${H} ${e.label}: ${fmt(r.trainTokensPerSecond)} tokens/s`);
        return typeof r === 'string' ? r : r.trainTokensPerSecond;
      }),
    );
  }
  const lines = [
    `## CPU threads: LSTM training tokens/s by hidden size — ${now()} UTC`,
    '',
    `Command: \`${command}\` (${rounds} round(s), one process per run, order rotated; 2 layers, batch 32, 35 steps, V 28, SGD lr 2, clip 1; ${trainSeconds} s timed; ${((Date.now() - t0) / 60000).toFixed(1)} min). ${machine()[0]}. Load average before: ${before}; after: ${load()}.${openblas || !torchAvailable ? '' : ' PyTorch on the reference BLAS (no --openblas).'}`,
    '',
    `| H | ${entries.map((e) => e.label).join(' | ')} | ${threadCounts
      .slice(1)
      .flatMap((t) => [...new Set(entries.map((e) => e.system))].map((s) => `${s} ${t}T / ${threadCounts[0]}T`))
      .join(' | ')} | ${torchAvailable ? threadCounts.map((t) => `deeprnn / PyTorch ${t}T`).join(' | ') : ''} |`,
  ];
  const cols = entries.length + (threadCounts.length - 1) * new Set(entries.map((e) => e.system)).size;
  lines.push(
    `| ---: | ${Array.from({ length: cols + (torchAvailable ? threadCounts.length : 0) }, () => '---:').join(' | ')} |`,
  );
  const find = (system: string, threads: number) => entries.find((e) => e.system === system && e.threads === threads)!;
  for (const H of hs) {
    const m = byH.get(H)!;
    const cells = entries.map((e) => fmt(median(m.get(e)!)));
    const speedups = threadCounts
      .slice(1)
      .flatMap((t) =>
        [...new Set(entries.map((e) => e.system))].map((s) =>
          ratio(m.get(find(s, t))!, m.get(find(s, threadCounts[0]))!),
        ),
      );
    const versus = torchAvailable
      ? threadCounts.map((t) => ratio(m.get(find('deeprnn-wasm', t))!, m.get(find('pytorch', t))!))
      : [];
    lines.push(`| ${H} | ${[...cells, ...speedups, ...versus].join(' | ')} |`);
  }
  lines.push('');
  return lines.join('\n');
}

interface JobResult {
  seconds: number;
  perplexity: number;
}

/** `deeprnn train` as a user runs it: the built CLI, its defaults, wall time from start to exit. */
function deeprnnJob(epochs: number, threads: number): JobResult | string {
  const cli = 'dist/node/cli.js';
  if (!existsSync(cli)) return `${cli} is missing: run npm run build first`;
  const dir = mkdtempSync(join(tmpdir(), 'deeprnn-job-'));
  try {
    const t0 = performance.now();
    const out = join(dir, 'job.safetensors');
    const r = spawnSync(
      process.execPath,
      [
        cli,
        'train',
        '--epochs',
        String(epochs),
        '--threads',
        String(threads),
        '--backend',
        'wasm',
        '--json',
        '--out',
        out,
      ],
      { encoding: 'utf8', timeout: 7_200_000 },
    );
    const seconds = (performance.now() - t0) / 1000;
    const last = r.stdout.trim().split('\n').at(-1) ?? '';
    if (r.status !== 0) return `exit ${r.status}: ${r.stderr.trim().split('\n').at(-1)}`;
    return { seconds, perplexity: JSON.parse(last).perplexity };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function job(): string {
  const before = load();
  const epochs = Number(flag('epochs', quick ? '2' : '500'));
  const entries = peers();
  const results = rotated(entries, Number(flag('rounds', '1')), (e): JobResult | string => {
    if (e.system === 'deeprnn-wasm') return deeprnnJob(epochs, e.threads);
    const r = runWorker(['--system', 'pytorch', '--threads', String(e.threads), '--job-epochs', String(epochs)]);
    if (typeof r === 'string') return r;
    const { wallSeconds, perplexity } = r as WorkerResult & { wallSeconds: number; perplexity: number };
    return { seconds: wallSeconds, perplexity };
  });
  for (const [e, v] of results)
    for (const r of v)
      console.error(`job ${e.label}: ${r.seconds.toFixed(1)} s, perplexity ${r.perplexity.toFixed(2)}`);
  const lines = [
    `## The README's job: ${epochs} epochs of d2l §9.3 (LSTM 2 × 256 on the first 10,000 tokens) — ${now()} UTC`,
    '',
    `Command: \`${command}\`. deeprnn: \`node dist/node/cli.js train --epochs ${epochs} --threads N --backend wasm --json\` from start to exit (startup, data, sampling and checkpoint included); PyTorch: bench/pytorch_worker.py --epochs ${epochs} (train_ch8's loop alone). ${machine()[0]}. Load average before: ${before}; after: ${load()}.`,
    '',
    '| system | wall time | final training perplexity |',
    '| --- | ---: | ---: |',
    ...entries.map((e) => {
      const v = results.get(e)!;
      const s = v.map((r) => r.seconds);
      const minutes = s.length ? `${Math.floor(median(s) / 60)} min ${(median(s) % 60).toFixed(1)} s` : 'failed';
      return `| ${e.label} | ${minutes} | ${v.length ? median(v.map((r) => r.perplexity)).toFixed(2) : '–'} |`;
    }),
    '',
  ];
  return lines.join('\n');
}
