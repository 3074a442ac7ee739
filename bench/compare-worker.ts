/**
 * One system, one configuration, one process (so no system inherits another's heap, JIT or GPU device):
 * training tokens/s on the d2l §9.3 data and batch-1 greedy generation chars/s. Started by
 * bench/compare.bench.ts; prints one `RESULT {json}` line.
 *
 *   npx vite-node bench/compare-worker.ts -- --system deeprnn-wasm --cell lstm [--hidden 256 --layers 2]
 *     [--threads 1] [--train-seconds 8] [--gen-seconds 2] [--max-tokens 10000] [--openblas DIR]
 *
 * --system pytorch runs bench/pytorch_worker.py (d2l's concise model and train_ch8 loop) with
 * /usr/bin/python3 on the same tokens; --openblas DIR (or DEEPRNN_BENCH_OPENBLAS) is where
 * `dpkg -x libopenblas0-openmp_*.deb DIR` unpacked OpenBLAS, which goes in front of Debian's reference BLAS.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { timeMachineText } from '../test/helpers/data.js';
import { LanguageModel, SeqDataLoader, buildCorpus, probeWebGpu, type Vocab } from '../src/index.js';
import type { CellType } from '../src/model/types.js';
import { unitsPerSecond } from './rate.js';

export const SYSTEMS = ['deeprnn-wasm', 'deeprnn-webgpu', 'tfjs-wasm', 'tfjs-webgpu', 'tfjs-cpu', 'pytorch'] as const;
export type System = (typeof SYSTEMS)[number];

export interface WorkerResult {
  system: System;
  cell: CellType;
  hidden: number;
  layers: number;
  /** CPU threads it computed on (deeprnn-wasm, pytorch; 1 for the others). */
  threads: number;
  /** Tokens/s of each timed window (k batches and a loss readback); the process figure is total/total. */
  trainWindows: number[];
  trainTokensPerSecond: number;
  genCharsPerSecond: number;
  /** Loss of the first batch: every system must start near ln(vocab size) (a cross-check of the inputs). */
  firstLoss: number;
  /** Mean training loss of the last timed window, as a sanity check that the model learns (ln 28 = 3.33 at the start). */
  trainLoss: number;
  peakRssMiB: number;
  engine: string;
}

/** A text to train on instead of the Time Machine the package ships. */
const DATA = process.env.DEEPRNN_BENCH_DATA;
const BATCH = 32;
const STEPS = 35;
const LR = 2;
const CLIP = 1;
const PREFIX = 'time traveller ';

export type Options = ReturnType<typeof parse>;

function parse(argv: string[]) {
  const get = (name: string, fallback: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
  };
  const system = get('system', 'deeprnn-wasm') as System;
  if (!SYSTEMS.includes(system)) throw new Error(`--system must be one of ${SYSTEMS.join(', ')}`);
  return {
    system,
    cell: get('cell', 'lstm') as CellType,
    hidden: Number(get('hidden', '256')),
    layers: Number(get('layers', '2')),
    threads: Number(get('threads', '1')),
    openblas: get('openblas', process.env.DEEPRNN_BENCH_OPENBLAS ?? ''),
    trainSeconds: Number(get('train-seconds', '8')),
    genSeconds: Number(get('gen-seconds', '2')),
    maxTokens: Number(get('max-tokens', '10000')),
    noGen: argv.includes('--no-gen'),
    /** PyTorch only: train this many whole epochs (train_ch8's job) and report the wall time instead. */
    jobEpochs: Number(get('job-epochs', '0')),
  };
}

/** What the timing loop needs from a system: one optimizer step, and a sync that returns the mean loss. */
interface Trainer {
  step(x: Int32Array, y: Int32Array, first: boolean): void;
  sync(): Promise<number>;
}

/**
 * d2l sequential batches, epoch after epoch (the state reset at each epoch start): one warm-up batch,
 * then windows of k batches each closed by a loss readback (k doubles until a window lasts 0.5 s, so
 * fast systems are not timed on readbacks), until `seconds` of timed training.
 */
async function measureTraining(t: Trainer, tokens: Int32Array, seconds: number) {
  const loader = new SeqDataLoader(tokens, BATCH, STEPS, 'sequential', 0);
  function* batches() {
    for (let e = 0; ; e++) {
      let first = true;
      for (const b of loader.epoch(e)) {
        yield { ...b, first };
        first = false;
      }
    }
  }
  const it = batches();
  const step = () => {
    const b = it.next().value!;
    t.step(b.x.data, b.y.data, b.first);
  };
  step();
  const firstLoss = await t.sync();
  const windows: number[] = [];
  let total = 0;
  let elapsed = 0;
  let loss = NaN;
  for (let k = 1; elapsed < seconds || windows.length < 2; ) {
    const t0 = performance.now();
    for (let i = 0; i < k; i++) step();
    loss = await t.sync();
    if (!Number.isFinite(loss)) throw new Error(`training loss became ${loss}`);
    const s = (performance.now() - t0) / 1000;
    windows.push((k * BATCH * STEPS) / s);
    total += k * BATCH * STEPS;
    elapsed += s;
    if (s < 0.5) k *= 2;
  }
  return { trainWindows: windows, trainTokensPerSecond: total / elapsed, firstLoss, trainLoss: loss };
}

async function runDeeprnn(o: Options, tokens: Int32Array, vocab: Vocab): Promise<Omit<WorkerResult, 'peakRssMiB'>> {
  const backend = o.system === 'deeprnn-webgpu' ? 'webgpu' : 'wasm';
  const threads = backend === 'wasm' ? o.threads : undefined;
  const lm = await LanguageModel.create(vocab, { cell: o.cell, layers: o.layers, hidden: o.hidden, backend, threads });
  const engine =
    backend === 'webgpu'
      ? `deeprnn webgpu (${(await probeWebGpu()).description})`
      : `deeprnn wasm, ${lm.threads} thread(s)`;
  // lm.train() runs whole epochs; the timing loop needs batch granularity, so it drives the model as
  // train() does: trainStep on each batch, the state reset at epoch starts, the loss read at the end.
  const model = lm.model;
  const train = await measureTraining(
    {
      step: (x, y, first) =>
        model.trainStep(
          { shape: [BATCH, STEPS], data: x },
          { shape: [BATCH, STEPS], data: y },
          { lr: LR, clip: CLIP, resetState: first },
        ),
      sync: async () => {
        const r = await model.readLoss();
        return r.loss;
      },
    },
    tokens,
    o.trainSeconds,
  );

  let gen = NaN;
  if (!o.noGen) {
    await lm.generate(PREFIX, { length: 50, greedy: true });
    gen = await unitsPerSecond(
      async (n) => {
        await lm.generate(PREFIX, { length: n, greedy: true });
      },
      200,
      o.genSeconds,
    );
  }
  lm.dispose();
  return {
    system: o.system,
    cell: o.cell,
    hidden: o.hidden,
    layers: o.layers,
    threads: lm.threads,
    ...train,
    genCharsPerSecond: gen,
    engine,
  };
}

async function runTfjs(o: Options, tokens: Int32Array, vocab: Vocab): Promise<Omit<WorkerResult, 'peakRssMiB'>> {
  const { TfjsCharModel, useTfjsBackend } = await import('./tfjs-model.js');
  const engine = await useTfjsBackend(
    o.system === 'tfjs-wasm' ? 'wasm' : o.system === 'tfjs-webgpu' ? 'webgpu' : 'cpu',
  );
  const model = new TfjsCharModel({ cell: o.cell, vocabSize: vocab.size, hidden: o.hidden, layers: o.layers }, LR);
  const train = await measureTraining(
    {
      step: (x, y, first) => {
        if (first) model.resetState();
        model.trainStep(x, y, BATCH, STEPS, CLIP);
      },
      sync: () => model.readLoss(),
    },
    tokens,
    o.trainSeconds,
  );

  let gen = NaN;
  if (!o.noGen) {
    const prefix = vocab.encode([...PREFIX]);
    await model.generate(prefix, 20);
    gen = await unitsPerSecond(
      async (n) => {
        await model.generate(prefix, n);
      },
      100,
      o.genSeconds,
    );
  }
  model.dispose();
  return {
    system: o.system,
    cell: o.cell,
    hidden: o.hidden,
    layers: o.layers,
    threads: 1,
    ...train,
    genCharsPerSecond: gen,
    engine,
  };
}

/** The Python interpreter the PyTorch peer runs on (Debian's, where python3-torch installs). */
const PYTHON = process.env.DEEPRNN_BENCH_PYTHON ?? '/usr/bin/python3';

/** LD_LIBRARY_PATH that puts the OpenBLAS unpacked under `dir` in front of the reference BLAS. */
function openblasPath(dir: string): string {
  return join(dir, 'usr/lib/x86_64-linux-gnu/openblas-openmp');
}

/**
 * bench/pytorch_worker.py on the same tokens, in a process of its own (its peak RSS is its own). Extra
 * `args` go to the script (--epochs N for whole-epoch wall time).
 */
function runPytorch(o: Options, tokens: Int32Array, vocabSize: number, args: string[] = []): Record<string, unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'deeprnn-bench-'));
  try {
    const file = join(dir, 'tokens.i32');
    writeFileSync(file, new Uint8Array(tokens.buffer, tokens.byteOffset, tokens.byteLength));
    const env = { ...process.env };
    if (o.openblas) env.LD_LIBRARY_PATH = [openblasPath(o.openblas), env.LD_LIBRARY_PATH].filter(Boolean).join(':');
    const script = new URL('./pytorch_worker.py', import.meta.url).pathname;
    const r = spawnSync(
      PYTHON,
      [
        script,
        ...['--tokens', file, '--vocab', String(vocabSize), '--cell', o.cell],
        ...['--hidden', String(o.hidden), '--layers', String(o.layers), '--threads', String(o.threads)],
        ...['--train-seconds', String(o.trainSeconds), '--gen-seconds', String(o.genSeconds)],
        ...(o.noGen ? ['--no-gen'] : []),
        ...args,
      ],
      { encoding: 'utf8', env, maxBuffer: 64 << 20 },
    );
    const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (!line)
      throw new Error(
        `pytorch_worker.py failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`,
      );
    return JSON.parse(line.slice(7));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const corpus = await buildCorpus(DATA ? await readFile(DATA, 'utf8') : timeMachineText(), {
    preprocess: 'd2l',
    tokenize: 'char',
    maxTokens: o.maxTokens,
  });
  if (o.system === 'pytorch') {
    const r = runPytorch(o, corpus.tokens, corpus.vocab.size, o.jobEpochs > 0 ? ['--epochs', String(o.jobEpochs)] : []);
    process.stdout.write(`RESULT ${JSON.stringify({ ...r, genCharsPerSecond: r.genCharsPerSecond ?? Number.NaN })}\n`);
    return;
  }
  const r = o.system.startsWith('deeprnn')
    ? await runDeeprnn(o, corpus.tokens, corpus.vocab)
    : await runTfjs(o, corpus.tokens, corpus.vocab);
  const result: WorkerResult = { ...r, peakRssMiB: process.resourceUsage().maxRSS / 1024 };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  // A live Dawn instance keeps the process alive; everything is measured by now.
  process.exit(0);
}

await main();
