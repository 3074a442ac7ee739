/**
 * PyTorch and deeprnn, both ways (issue 18). python/train_ddp.py under torchrun (2 ranks, gloo on the CPU)
 * takes the same steps as one process on the same global batch, and as deeprnn's own train(); its checkpoints
 * resume in PyTorch and in deeprnn, and deeprnn serves them (WASM and WebGPU) with PyTorch's perplexity; a
 * deeprnn checkpoint gives deeprnn's logits in PyTorch and is written back byte for byte; and the Python
 * vocabulary of two books is deeprnn's, token for token.
 *
 * One torchrun run (7 steps) and three plain Python processes, reused by every assertion.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { probeWebGpu } from '../../src/backends/webgpu/index.js';
import { decodeSafetensors, encodeSafetensors, loadCheckpoint, toFloat32 } from '../../src/checkpoint/index.js';
import { LanguageModel } from '../../src/lm/language-model.js';
import { buildCorpus } from '../../src/text/index.js';
import { runMain } from '../cli/helpers.js';
import { shakespeareText, timeMachineBytes } from '../helpers/data.js';
import { unavailable, WEBGPU_INSTALL } from '../helpers/requires.js';

const PYTHON = '/usr/bin/python3';
const TORCH_INSTALL = "install Debian's PyTorch: apt-get install python3-torch";
const root = fileURLToPath(new URL('../..', import.meta.url));
const TRAIN = join(root, 'python', 'train_ddp.py');
// torch < 2 reads torchrun's default --redirects/--tee '0' as nothing under Python 3.11 (its Std IntFlag);
// any other value parses: 2 sends stderr to a log file and echoes it back.
const TORCHRUN = [
  '-m',
  'torch.distributed.run',
  '--standalone',
  '--nproc_per_node',
  '2',
  '--redirects',
  '2',
  '--tee',
  '2',
];

function torchMissing(): string | null {
  if (!existsSync(PYTHON)) return `no ${PYTHON}`;
  const probe = 'import torch.distributed as d; assert d.is_available() and d.is_gloo_available()';
  const r = spawnSync(PYTHON, ['-c', probe], { encoding: 'utf8' });
  return r.status === 0 ? null : `${PYTHON} has no torch with gloo (${r.stderr.trim().split('\n').pop()})`;
}

function describeTorch(): typeof describe | typeof describe.skip {
  const missing = torchMissing();
  if (missing === null) return describe;
  unavailable({ missing, install: TORCH_INSTALL });
  return describe.skip;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function python(args: string[]): Promise<Run> {
  const env = { ...process.env, PYTHONPATH: join(root, 'python'), OMP_NUM_THREADS: '1' };
  return new Promise((resolve) => {
    execFile(PYTHON, args, { env, maxBuffer: 64 << 20, timeout: 100_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function ok(args: string[]): Promise<string> {
  const r = await python(args);
  expect(r.code, `python3 ${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

interface StepLog {
  step: number;
  loss: number;
}
interface TrainLog {
  world_size: number;
  backend: string | null;
  tokens: number;
  steps: StepLog[];
  history: Array<{ epoch: number; train_perplexity: number }>;
  checkpoints: number[];
}

const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

function expectLossesClose(actual: StepLog[], expected: StepLog[]): void {
  expect(actual.map((s) => s.step)).toEqual(expected.map((s) => s.step));
  const worst = Math.max(...actual.map((s, i) => Math.abs(s.loss - expected[i].loss)));
  console.log(`${actual.length} steps, largest loss difference ${worst.toExponential(2)}`);
  expect(worst).toBeLessThanOrEqual(1e-5);
}

/** Three ways a checkpoint goes wrong, made from a good one. */
function badCheckpoints(good: Uint8Array): Record<string, Uint8Array> {
  const { metadata, tensors } = decodeSafetensors(good);
  const entries = [...tensors].map(([name, t]) => ({ name, shape: t.shape, data: toFloat32(t, name) }));
  return {
    truncated: good.subarray(0, 300),
    version2: encodeSafetensors(entries, { ...metadata, version: '2' }),
    stray: encodeSafetensors(
      [...entries, { name: 'rnn.weight_ih_l9', shape: [1], data: Float32Array.of(0) }],
      metadata,
    ),
  };
}

describeTorch()('PyTorch (python/deeprnn_torch, train_ddp.py) and deeprnn', () => {
  const dir = mkdtempSync(join(tmpdir(), 'deeprnn-torch-'));
  const at = (name: string) => join(dir, name);
  const a = timeMachineBytes().subarray(0, 1000);
  const b = Buffer.from(shakespeareText().slice(0, 1000));
  const heldOut = timeMachineBytes().subarray(20_000, 21_000);
  const model = ['--cell', 'lstm', '--layers', '2', '--hidden', '16', '--seed', '3'];
  const recipe = ['--batch-size', '4', '--num-steps', '10', '--lr', '1', '--clip', '1', '--epochs', '1'];
  const flags = ['--data', at('a.txt'), '--data', at('b.txt'), ...model, ...recipe];
  const log = (name: string): TrainLog => JSON.parse(readFileSync(at(name), 'utf8'));
  let single: TrainLog;
  let ddp: TrainLog;
  let resumed: TrainLog;
  let disagreeing: Run;
  let torch: Array<Record<string, any>>;
  let gruLogits: Float32Array;
  let gru8Logits: Float32Array;
  let gru2: { epoch: number; trainPerplexity: number };
  const x = { shape: [3, 7] as [number, number], data: Int32Array.from({ length: 21 }, (_, i) => (i * 7) % 27) };

  beforeAll(async () => {
    writeFileSync(at('a.txt'), a);
    writeFileSync(at('b.txt'), b);
    writeFileSync(at('held.txt'), heldOut);
    writeFileSync(at('timemachine.txt'), timeMachineBytes());
    writeFileSync(at('tinyshakespeare.txt'), shakespeareText());
    await Promise.all([
      ok([TRAIN, ...flags, '--out', at('single.safetensors'), '--log', at('single.json')]),
      ok([
        ...TORCHRUN,
        TRAIN,
        ...flags,
        '--max-steps',
        '7',
        '--checkpoint-every',
        '3',
        '--out',
        at('ddp.safetensors'),
        '--log',
        at('ddp.json'),
      ]),
    ]);
    [, disagreeing] = await Promise.all([
      // nothing else repeated: the checkpoint holds the recipe and the data files (--epochs may extend the run)
      ok([
        TRAIN,
        '--resume',
        at('ddp.safetensors'),
        '--epochs',
        '1',
        '--out',
        at('resumed.safetensors'),
        '--log',
        at('resumed.json'),
      ]),
      python([TRAIN, '--resume', at('ddp.safetensors'), '--hidden', '32', '--out', at('never.safetensors')]),
    ]);
    [single, ddp, resumed] = [log('single.json'), log('ddp.json'), log('resumed.json')];

    // deeprnn trains a GRU with Adam and saves a training checkpoint for PyTorch to read
    const corpus = await buildCorpus([a, b], { preprocess: 'd2l', tokenize: 'char' });
    const gru = await LanguageModel.create(corpus.vocab, {
      cell: 'gru',
      layers: 2,
      hidden: 12,
      seed: 5,
      backend: 'wasm',
    });
    const gruRun = { batchSize: 3, numSteps: 9, lr: 0.01, optimizer: 'adam' } as const;
    const trained = await gru.train(corpus.tokens.subarray(0, 400), { epochs: 1, ...gruRun });
    await gru.save(at('gru.safetensors'), trained.training);
    gruLogits = (await gru.model.forward(x, null)).logits;
    writeFileSync(at('gru8.safetensors'), await gru.quantize('int8'));
    const gru8 = await LanguageModel.load(at('gru8.safetensors'), { backend: 'wasm' });
    gru8Logits = (await gru8.model.forward(x, null)).logits; // the dequantized f32 weights, as PyTorch reads them
    gru8.dispose();
    gru2 = (await gru.train(corpus.tokens.subarray(0, 400), { epochs: 2, resume: trained.training })).history[0];
    gru.dispose();
    const bad = badCheckpoints(readFileSync(at('gru.safetensors')));
    for (const [name, bytes] of Object.entries(bad)) writeFileSync(at(`${name}.safetensors`), bytes);

    const tasks = [
      { op: 'vocab', files: [at('timemachine.txt'), at('tinyshakespeare.txt')], tokenize: 'char' },
      { op: 'vocab', files: [at('timemachine.txt'), at('tinyshakespeare.txt')], tokenize: 'word' },
      { op: 'perplexity', model: at('ddp.safetensors'), text: at('held.txt') },
      {
        op: 'logits',
        model: at('gru.safetensors'),
        x: [0, 1, 2].map((r) => Array.from(x.data.subarray(r * 7, r * 7 + 7))),
      },
      { op: 'resave', model: at('gru.safetensors'), out: at('gru-again.safetensors') },
      ...Object.keys(bad).map((name) => ({ op: 'error', model: at(`${name}.safetensors`) })),
      {
        op: 'logits',
        model: at('gru8.safetensors'),
        x: [0, 1, 2].map((r) => Array.from(x.data.subarray(r * 7, r * 7 + 7))),
      },
    ];
    writeFileSync(at('tasks.json'), JSON.stringify(tasks));
    const resumeGru = ['--resume', at('gru.safetensors'), '--max-tokens', '400', '--epochs', '2'];
    const [bridged] = await Promise.all([
      ok([join(root, 'test', 'python', 'bridge.py'), at('tasks.json')]),
      // the API run kept no data paths, so they are given, and cut where the run cut them
      ok([
        TRAIN,
        ...resumeGru,
        '--data',
        at('a.txt'),
        '--data',
        at('b.txt'),
        '--out',
        at('gru2.safetensors'),
        '--log',
        at('gru2.json'),
      ]),
    ]);
    torch = JSON.parse(bridged);
  }, 120_000);

  it('2 ranks under torchrun (gloo) take the same steps as one process on the same global batch', () => {
    expect([ddp.world_size, ddp.backend, single.world_size]).toEqual([2, 'gloo', 1]);
    expect(ddp.checkpoints).toEqual([3, 6, 7]); // every 3 steps and at the end
    expectLossesClose(ddp.steps, single.steps.slice(0, 7));
    expect(single.steps.length).toBeGreaterThan(20); // the whole epoch
  });

  it('the DDP checkpoint (mid-epoch, with the carried state of both ranks) resumes in one process exactly', () => {
    expect(resumed.steps[0].step).toBe(8);
    expectLossesClose(resumed.steps, single.steps.slice(7));
    expect(relative(resumed.history[0].train_perplexity, single.history[0].train_perplexity)).toBeLessThan(1e-5);
  });

  it('a resumed run refuses a flag that disagrees with the checkpoint, naming it (exit 2)', () => {
    expect(disagreeing.code).toBe(2);
    expect(disagreeing.stderr).toMatch(/--hidden 32 disagrees with .*ddp\.safetensors, which was trained with 16/);
  });

  it("deeprnn's train() takes the same steps: from scratch, and resuming the DDP checkpoint", async () => {
    const corpus = await buildCorpus([a, b], { preprocess: 'd2l', tokenize: 'char' });
    expect(corpus.tokens.length).toBe(single.tokens);
    const expected = single.history[0].train_perplexity;
    const fresh = await LanguageModel.create(corpus.vocab, {
      cell: 'lstm',
      layers: 2,
      hidden: 16,
      seed: 3,
      backend: 'wasm',
    });
    const run = await fresh.train(corpus.tokens, { epochs: 1, batchSize: 4, numSteps: 10, lr: 1, clip: 1 });
    fresh.dispose();
    const ckpt = await loadCheckpoint(at('ddp.safetensors'));
    expect([ckpt.training?.optimizer.step, ckpt.training?.batch, ckpt.training?.state?.h.length]).toEqual([
      7,
      7,
      2 * 4 * 16,
    ]);
    const lm = await LanguageModel.fromCheckpoint(ckpt, { backend: 'wasm' });
    const rest = await lm.train(corpus.tokens, { epochs: 1, resume: ckpt.training });
    lm.dispose();
    const got = [run.history[0].trainPerplexity, rest.history[0].trainPerplexity];
    console.log(`epoch perplexity: PyTorch ${expected}, deeprnn ${got.join(', resumed ')}`);
    for (const p of got) expect(relative(p, expected)).toBeLessThan(1e-5);
  });

  it('train_ddp.py resumes a deeprnn run (Adam moments, the data checked by hash) as deeprnn continues it', () => {
    const py = log('gru2.json');
    expect(py.steps[0].step).toBe(15); // after the 14 steps of deeprnn's epoch 1
    expect(py.history.map((h) => h.epoch)).toEqual([1, 2]);
    expect(gru2.epoch).toBe(2);
    console.log(`GRU + Adam epoch 2: deeprnn ${gru2.trainPerplexity}, PyTorch ${py.history[1].train_perplexity}`);
    expect(relative(py.history[1].train_perplexity, gru2.trainPerplexity)).toBeLessThan(1e-5);
  });

  it('`deeprnn train --resume` continues a train_ddp.py run from its checkpoint alone, and `generate` serves it', async () => {
    const run = await runMain(
      'train',
      '--resume',
      at('ddp.safetensors'),
      '--epochs',
      '1',
      '--backend',
      'wasm',
      '--out',
      at('cli.safetensors'),
    );
    expect(run.code, run.stderr).toBe(0);
    const { training } = await loadCheckpoint(at('cli.safetensors'));
    const perplexity = training!.history[0].trainPerplexity;
    expect(relative(perplexity, single.history[0].train_perplexity)).toBeLessThan(1e-5);
    const generated = await runMain(
      'generate',
      '--model',
      at('ddp.safetensors'),
      '--prefix',
      'the time',
      '--length',
      '20',
    );
    expect(generated.code, generated.stderr).toBe(0);
    expect(generated.stdout).toMatch(/^the time[a-z ]{20}\n?$/);
  });

  it.each(['wasm', 'webgpu'] as const)(
    "deeprnn on %s serves the DDP checkpoint with PyTorch's perplexity",
    async (backend) => {
      if (backend === 'webgpu' && !(await probeWebGpu()).available) {
        unavailable({ missing: 'no WebGPU adapter', install: WEBGPU_INSTALL });
        return;
      }
      const lm = await LanguageModel.load(at('ddp.safetensors'), { backend });
      const perplexity = await lm.evaluate(heldOut.toString('utf8'));
      lm.dispose();
      const expected = torch[2].perplexity;
      console.log(`${backend}: perplexity ${perplexity}, PyTorch ${expected} (${torch[2].tokens} tokens)`);
      expect(relative(perplexity, expected)).toBeLessThan(1e-5);
    },
  );

  it("a deeprnn checkpoint gives deeprnn's logits in PyTorch, and PyTorch writes it back byte for byte", () => {
    const got = torch[3];
    expect(got.config).toEqual({
      cell: 'gru',
      nonlinearity: 'tanh',
      layers: 2,
      hidden: 12,
      vocab_size: 27,
      dropout: 0,
    });
    expect([got.seed, got.step, got.adam]).toEqual([5, 14, true]);
    expect(got.logits).toHaveLength(gruLogits.length);
    const worst = Math.max(...got.logits.map((v: number, i: number) => Math.abs(v - gruLogits[i])));
    console.log(`GRU logits (${gruLogits.length}): largest difference ${worst.toExponential(2)}`);
    expect(worst).toBeLessThanOrEqual(1e-5);
    expect(readFileSync(at('gru-again.safetensors')).equals(readFileSync(at('gru.safetensors')))).toBe(true);
  });

  it("an int8 checkpoint reads in PyTorch as q * scale per row: deeprnn's dequantized logits", () => {
    const got = torch.at(-1)!;
    expect(got.step).toBeNull();
    const worst = Math.max(...got.logits.map((v: number, i: number) => Math.abs(v - gru8Logits[i])));
    expect(got.logits).toHaveLength(gru8Logits.length);
    expect(worst).toBeLessThanOrEqual(1e-5);
    expect(Math.max(...got.logits.map((v: number, i: number) => Math.abs(v - gruLogits[i])))).toBeGreaterThan(0);
  });

  it('a malformed checkpoint is E_BAD_CHECKPOINT in PyTorch as in deeprnn, for the same reason', async () => {
    const reasons = [/truncated/, /unknown checkpoint format version '2'/, /unexpected tensor 'rnn\.weight_ih_l9'/];
    for (const [i, name] of Object.keys(badCheckpoints(readFileSync(at('gru.safetensors')))).entries()) {
      expect(torch[5 + i], name).toMatchObject({
        code: 'E_BAD_CHECKPOINT',
        message: expect.stringMatching(reasons[i]),
      });
      await expect(loadCheckpoint(at(`${name}.safetensors`)), name).rejects.toMatchObject({
        code: 'E_BAD_CHECKPOINT',
        message: expect.stringMatching(reasons[i]),
      });
    }
  });

  it.each(['char', 'word'] as const)(
    "the Python vocabulary of two books is deeprnn's, token for token (%s)",
    async (tokenize) => {
      const i = tokenize === 'char' ? 0 : 1;
      const corpus = await buildCorpus([timeMachineBytes().toString('utf8'), shakespeareText()], {
        preprocess: 'd2l',
        tokenize,
      });
      expect(torch[i].tokens).toEqual(corpus.vocab.tokens);
      expect(torch[i].counts).toEqual(Array.from(corpus.vocab.counts));
      expect(torch[i].length).toBe(corpus.tokens.length);
      console.log(`${tokenize}: ${corpus.vocab.size} tokens, ${corpus.tokens.length} in the corpus`);
    },
  );
});
