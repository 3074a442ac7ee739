// `train --resume` continues exactly the run its checkpoint started: flags given only the first time,
// two epochs then two more equal four in one go, bit for bit (WASM). Flags that disagree exit 2.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { loadCheckpoint } from '../../src/checkpoint/index.js';
import { timeMachineText } from '../helpers/data.js';
import { TINY, runMain } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'deeprnn-resume-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const text = join(dir, 'book.txt');
writeFileSync(text, timeMachineText().slice(0, 12_000));

const run = runMain;

async function params(path: string): Promise<Buffer> {
  const ckpt = await loadCheckpoint(path);
  return Buffer.concat(
    Object.keys(ckpt.params)
      .sort()
      .map((k) => Buffer.from(ckpt.params[k].data.buffer)),
  );
}

const cases: Array<[string, string[]]> = [
  ['sequential, SGD, dropout', ['--partition', 'sequential', '--optimizer', 'sgd', '--lr', '1', '--dropout', '0.3']],
  ['random, SGD', ['--partition', 'random', '--optimizer', 'sgd', '--lr', '1']],
  [
    'sequential, Adam, dropout',
    ['--partition', 'sequential', '--optimizer', 'adam', '--lr', '0.01', '--dropout', '0.3'],
  ],
  ['random, Adam, dropout', ['--partition', 'random', '--optimizer', 'adam', '--lr', '0.01', '--dropout', '0.3']],
];

describe('deeprnn train --resume', () => {
  test.each(cases)('2 epochs + --resume to 4 equals 4 epochs: %s', async (name, flags) => {
    const setup = [
      '--data',
      text,
      '--max-tokens',
      '4000',
      '--val-frac',
      '0.1',
      '--layers',
      '2',
      '--hidden',
      '12',
      '--batch-size',
      '4',
      '--num-steps',
      '8',
      '--seed',
      '5',
      '--clip',
      '0.5',
      '--backend',
      'wasm',
      ...flags,
    ];
    const tag = name.replace(/\W+/g, '-');
    const whole = join(dir, `${tag}-whole.safetensors`);
    const parts = join(dir, `${tag}-parts.safetensors`);
    expect((await run('train', ...setup, '--epochs', '4', '--out', whole)).code).toBe(0);
    expect((await run('train', ...setup, '--epochs', '2', '--out', parts)).code).toBe(0);
    const resumed = await run('train', '--resume', parts, '--epochs', '4', '--out', parts, '--backend', 'wasm');
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect((await params(parts)).equals(await params(whole))).toBe(true);
    const a = (await loadCheckpoint(whole)).training!;
    const b = (await loadCheckpoint(parts)).training!;
    expect(b.history).toEqual(a.history);
    expect(b.optimizer.step).toBe(a.optimizer.step);
  });

  test('a flag that disagrees with the checkpoint exits 2 naming it; the model flags too', async () => {
    const out = join(dir, 'small.safetensors');
    const base = ['--data', text, '--max-tokens', '3000', ...TINY];
    expect((await run('train', ...base, '--epochs', '1', '--out', out)).code).toBe(0);
    for (const [flag, value] of [
      ['--hidden', '64'],
      ['--batch-size', '16'],
      ['--lr', '0.5'],
      ['--seed', '7'],
      ['--partition', 'random'],
      ['--cell', 'gru'],
    ]) {
      const r = await run('train', '--resume', out, '--epochs', '2', '--out', out, flag, value);
      expect(r.code, flag).toBe(2);
      expect(r.stderr, flag).toMatch(
        new RegExp(`^deeprnn train: ${flag} ${value} disagrees with .*small\\.safetensors`),
      );
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    const same = await run(
      'train',
      '--resume',
      out,
      '--epochs',
      '2',
      '--out',
      out,
      '--hidden',
      '8',
      '--batch-size',
      '4',
    );
    expect(same.code).toBe(0);
  });

  test('resuming on other data is refused with exit 2', async () => {
    const out = join(dir, 'data.safetensors');
    const base = ['--data', text, '--max-tokens', '3000', ...TINY];
    expect((await run('train', ...base, '--epochs', '1', '--out', out)).code).toBe(0);
    const r = await run('train', '--resume', out, '--epochs', '2', '--out', out, '--max-tokens', '2000');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the training data differ from the run being resumed');
  });
});
