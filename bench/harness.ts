/**
 * What the suites of `npm run bench` share: the command line, one measurement per process
 * (bench/compare-worker.ts), the systems that run once per CPU thread count, the PyTorch peer's
 * availability, medians and the machine's description.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import type { System, WorkerResult } from './compare-worker.js';

export const argv = process.argv.slice(2);
export const flag = (name: string, fallback: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
};

/** Where `dpkg -x libopenblas0-openmp_*.deb DIR` unpacked OpenBLAS (PyTorch's BLAS), or ''. */
export const openblas = flag('openblas', process.env.DEEPRNN_BENCH_OPENBLAS ?? '');
export const threadCounts = flag('threads', '1,2').split(',').map(Number);
const python = process.env.DEEPRNN_BENCH_PYTHON ?? '/usr/bin/python3';
/** Whether the PyTorch peer can run here (never required: it only joins the default systems). */
export const torchAvailable = spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
export const stamp = new Date().toISOString().slice(0, 16).replace(/[T:]/g, '-');

/** Refuses `pytorch` without torch; warns when it would run on Debian's reference BLAS. */
export function checkPytorch(systems: readonly string[]): void {
  if (!systems.includes('pytorch')) return;
  if (!torchAvailable) throw new Error(`${python} cannot import torch`);
  if (!openblas)
    console.error(
      'pytorch: no --openblas DIR, so Debian python3-torch runs on the reference BLAS (~50x slower); see the header of bench/compare.bench.ts',
    );
}

/** Systems that compute on CPU threads: measured once per --threads count. */
const THREADED: readonly string[] = ['deeprnn-wasm', 'pytorch'];

/** One measured entry: a system at a thread count. */
export interface Entry {
  system: System;
  threads: number;
  /** 'deeprnn-wasm 2T', or the system's name where threads do not apply. */
  label: string;
}

export const entriesOf = (list: readonly System[]): Entry[] =>
  list.flatMap((system) =>
    THREADED.includes(system)
      ? threadCounts.map((threads) => ({ system, threads, label: `${system} ${threads}T` }))
      : [{ system, threads: 1, label: system }],
  );

/** One bench/compare-worker.ts process: its result, or why it failed. */
export function runWorker(args: string[]): WorkerResult | string {
  const extra = openblas ? ['--openblas', openblas] : [];
  const r = spawnSync('npx', ['vite-node', 'bench/compare-worker.ts', '--', ...args, ...extra], {
    encoding: 'utf8',
    env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' },
    maxBuffer: 64 << 20,
    timeout: 3_600_000,
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

export const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};
export const fmt = (v: number): string => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '–');
export const spread = (v: number[]): string =>
  v.length ? `${fmt(median(v))} (${fmt(Math.min(...v))}–${fmt(Math.max(...v))})` : '–';

export function machine(): string[] {
  const cpu =
    readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  return [`CPU: ${cpu}, ${cpus().length} cores; Node ${process.version}`];
}

export const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');
