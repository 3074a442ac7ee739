import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { availableThreads } from '../../src/backends/wasm/threads.js';
import { loadCheckpoint } from '../../src/checkpoint/index.js';
import { timeMachineText } from '../helpers/data.js';
import { TINY, runMain } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'deeprnn-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const text = join(dir, 'tiny.txt');
writeFileSync(text, timeMachineText().slice(0, 20_000));
const model = join(dir, 'tiny.safetensors');

const run = runMain;

const small = [
  '--layers',
  '1',
  '--hidden',
  '16',
  '--batch-size',
  '4',
  '--num-steps',
  '8',
  '--backend',
  'wasm',
  '--max-tokens',
  '3000',
];

describe('deeprnn CLI', () => {
  test('train writes a checkpoint, a curve and the d2l summary lines', async () => {
    const r = await run('train', '--data', text, '--epochs', '2', '--out', model, ...small);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // --threads auto: every core of this machine, which the lines name when there are several.
    const { threads } = await availableThreads();
    const on = threads > 1 ? `wasm with ${threads} threads` : 'wasm';
    expect(r.stdout).toMatch(new RegExp(`^epoch 1/2 perplexity \\d+\\.\\d+ \\d+ tokens/s on ${on} ETA`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^perplexity \\d+\\.\\d, \\d+\\.\\d tokens/sec on ${on}$`, 'm'));
    expect(r.stdout).toMatch(/^time traveller.{50}$/m);
    expect(r.stdout).toMatch(/^traveller.{50}$/m);
    const ckpt = await loadCheckpoint(model);
    expect(ckpt.config).toMatchObject({ cell: 'lstm', layers: 1, hidden: 16, vocabSize: 28 });
    expect(ckpt.training?.epoch).toBe(2);
    expect(readFileSync(join(dir, 'tiny.perplexity.csv'), 'utf8').trim().split('\n')).toHaveLength(3);
    expect(readFileSync(join(dir, 'tiny.perplexity.svg'), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
  });

  test('with no --data: trains offline on the Time Machine that ships with deeprnn, first 10,000 tokens, and says so', async () => {
    const out = join(dir, 'default.safetensors');
    const saved = globalThis.fetch;
    globalThis.fetch = (async () => {
      throw new TypeError('fetch failed (offline test)');
    }) as typeof fetch;
    try {
      const r = await run('train', '--epochs', '1', '--out', out, ...TINY);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(
        "data: The Time Machine (d2l's timemachine.txt, shipped with deeprnn) 170,580 tokens; training on the first 10,000 of 170,580 tokens (--max-tokens 10000; 0 keeps all)\n",
      );
      expect(r.stdout).toMatch(/^perplexity \d+\.\d, \d+\.\d tokens\/sec on wasm( with \d+ threads)?$/m);
    } finally {
      globalThis.fetch = saved;
    }
  });

  test('--data files are used whole unless --max-tokens is given, with a token count per source', async () => {
    const second = join(dir, 'second.txt');
    writeFileSync(second, timeMachineText().slice(50_000, 55_000));
    const tiny = [...TINY, '--epochs', '1'];
    const whole = await run(
      'train',
      '--data',
      text,
      '--data',
      second,
      '--out',
      join(dir, 'two.safetensors'),
      '--json',
      ...tiny,
    );
    expect(whole.code).toBe(0);
    const all = JSON.parse(whole.stdout).tokens;
    const plain = await run('train', '--data', text, '--data', second, '--out', join(dir, 'two.safetensors'), ...tiny);
    const [line] = plain.stdout.split('\n').filter((l) => l.startsWith('data: '));
    const counts = [...line.matchAll(/ ([\d,]+) tokens/g)].map((m) => Number(m[1].replaceAll(',', '')));
    expect(line).toMatch(
      new RegExp(
        `^data: ${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} [\\d,]+ tokens, .*second\\.txt [\\d,]+ tokens; training on [\\d,]+ tokens$`,
      ),
    );
    expect(counts[0] + counts[1]).toBe(counts[2]);
    expect(all).toBe(counts[2]);
    const cut = await run(
      'train',
      '--data',
      text,
      '--data',
      second,
      '--max-tokens',
      '3000',
      '--out',
      join(dir, 'two.safetensors'),
      '--json',
      ...tiny,
    );
    expect(JSON.parse(cut.stdout).tokens).toBe(3000);
  });

  test('--json prints one JSON object', async () => {
    const out = join(dir, 'json.safetensors');
    const r = await run(
      'train',
      '--data',
      text,
      '--epochs',
      '1',
      '--out',
      out,
      '--val-frac',
      '0.2',
      '--json',
      ...small,
    );
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.stdout);
    expect(parsed).toMatchObject({ backend: 'wasm', epochs: 1, checkpoint: out });
    expect(parsed.valPerplexity).toBeGreaterThan(1);
  });

  test('generate streams the prefix and its continuation; same seed, same text', async () => {
    const sampling = [
      '--model',
      model,
      '--prefix',
      'the time',
      '--length',
      '30',
      '--temperature',
      '0.8',
      '--seed',
      '5',
    ];
    const a = await run('generate', ...sampling, '--backend', 'wasm');
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/^the time.{30}\n$/);
    const b = await run('generate', ...sampling, '--backend', 'wasm', '--json');
    expect(JSON.parse(b.stdout).text).toBe(a.stdout.slice('the time'.length, -1));
  });

  test('generate with several --prefix runs them as one batch: line i what that prefix gives alone with seed + i', async () => {
    const sampling = ['--model', model, '--length', '25', '--temperature', '0.8', '--backend', 'wasm'];
    const prefixes = ['the time', 'it was', 'the time'];
    const alone = await Promise.all(
      prefixes.map(async (p, i) =>
        JSON.parse((await run('generate', ...sampling, '--seed', String(5 + i), '--prefix', p, '--json')).stdout),
      ),
    );
    expect(alone[2].text).not.toBe(alone[0].text); // the same prefix twice: two samples
    sampling.push('--seed', '5');
    const batch = await run('generate', ...sampling, ...prefixes.flatMap((p) => ['--prefix', p]));
    expect(batch.code).toBe(0);
    expect(batch.stdout).toBe(alone.map((a) => `${a.prefix}${a.text}\n`).join(''));
    const json = JSON.parse(
      (await run('generate', ...sampling, ...prefixes.flatMap((p) => ['--prefix', p]), '--json')).stdout,
    );
    expect(json.results).toEqual(alone.map(({ prefix, text, tokens }) => ({ prefix, text, tokens })));
  });

  test('eval prints the perplexity with at least 6 significant digits', async () => {
    const r = await run('eval', '--model', model, '--data', text, '--backend', 'wasm');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^perplexity \d+\.\d{5,}\n$/);
    const j = await run('eval', '--model', model, '--data', text, '--backend', 'wasm', '--json');
    expect(JSON.parse(j.stdout).perplexity).toBeCloseTo(Number(r.stdout.split(' ')[1]), 5);
  });

  test('Ctrl-C saves a checkpoint that --resume continues', async () => {
    const out = join(dir, 'interrupted.safetensors');
    setTimeout(() => {
      process.emit('SIGINT');
      process.emit('SIGINT'); // a second Ctrl-C while it saves says so, and does not kill the save
    }, 400);
    const r = await run('train', '--data', text, '--epochs', '100000', '--out', out, ...small);
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('SIGINT again: still saving the checkpoint');
    expect(r.stderr).toContain('interrupted by SIGINT; checkpoint saved');
    const ckpt = await loadCheckpoint(out);
    const done = ckpt.training!.epoch;
    const resumed = await run(
      'train',
      '--data',
      text,
      '--epochs',
      String(done + 1),
      '--out',
      out,
      '--resume',
      out,
      '--backend',
      'wasm',
      '--max-tokens',
      '3000',
      '--batch-size',
      '4',
      '--num-steps',
      '8',
    );
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect((await loadCheckpoint(out)).training!.epoch).toBe(done + 1);
  });

  test('bad flags exit 2 with one line; other errors exit 1', async () => {
    for (const argv of [
      ['train', '--epochs', 'x'],
      ['train', '--bogus'],
      ['frobnicate'],
      [],
      ['generate', '--prefix', 'a'],
    ]) {
      const r = await run(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), argv.join(' ')).toHaveLength(1);
    }
    const missing = await run('eval', '--model', join(dir, 'nope.safetensors'), '--data', text);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^deeprnn: .*nope\.safetensors.*\[E_IO\]\n$/);
    expect(existsSync(join(dir, 'nope.safetensors'))).toBe(false);
    const help = await run('train', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--num-steps');
  });
});
