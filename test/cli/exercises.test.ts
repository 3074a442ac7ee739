// d2l §9.3's exercises through the CLI: word models, text options in the checkpoint, per-source held-out
// perplexity that adds up to the whole, --keep-best, and bad values refused.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { loadCheckpoint } from '../../src/checkpoint/index.js';
import { LanguageModel } from '../../src/index.js';
import { shakespeareText, timeMachineText } from '../helpers/data.js';
import { TINY, runMain as run } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'deeprnn-exercises-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const wells = join(dir, 'wells.txt');
const shakespeare = join(dir, 'shakespeare.txt');
writeFileSync(wells, timeMachineText().slice(0, 6000));
writeFileSync(shakespeare, shakespeareText().slice(0, 4000));

describe('exercises', () => {
  test('a word model trains and generates words; its text options round-trip through the checkpoint', async () => {
    const out = join(dir, 'words.safetensors');
    const r = await run(
      'train',
      '--data',
      wells,
      '--tokenize',
      'word',
      '--preprocess',
      'none',
      '--min-freq',
      '2',
      '--epochs',
      '1',
      '--out',
      out,
      ...TINY,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const ckpt = await loadCheckpoint(out);
    expect(ckpt.text).toMatchObject({ tokenize: 'word', preprocess: 'none' });
    const lm = await LanguageModel.load(out, { backend: 'wasm' });
    const words = new Set(lm.vocab.tokens);
    // min-freq 2: a word seen once encodes to <unk>
    expect(words.has('Time')).toBe(true);
    const g = await run('generate', '--model', out, '--prefix', 'The Time', '--length', '12', '--seed', '1', '--json');
    const { tokens } = JSON.parse(g.stdout);
    expect(tokens).toHaveLength(12);
    for (const t of tokens) {
      expect(t.text.startsWith(' ')).toBe(true);
      expect(words.has(t.text.slice(1))).toBe(true);
    }
    lm.dispose();
  });

  test('per-source held-out perplexity: the end of each file, and the whole is their token-weighted mean', async () => {
    const out = join(dir, 'two.safetensors');
    const r = await run(
      'train',
      '--data',
      wells,
      '--data',
      shakespeare,
      '--val-frac',
      '0.2',
      '--epochs',
      '2',
      '--out',
      out,
      '--json',
      ...TINY,
    );
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    const lm = await LanguageModel.load(out, { backend: 'wasm' });
    const held = [wells, shakespeare].map((name) => {
      const tokens = lm.encode(name === wells ? timeMachineText().slice(0, 6000) : shakespeareText().slice(0, 4000));
      return { name, tokens: tokens.subarray(tokens.length - Math.floor(0.2 * tokens.length)) };
    });
    const mine = await lm.evaluateSources(held.map((h) => ({ name: h.name, data: h.tokens })));
    expect(Object.keys(summary.valPerplexities)).toEqual([wells, shakespeare]);
    for (const h of held) expect(summary.valPerplexities[h.name]).toBeCloseTo(mine.bySource[h.name], 10);
    const n = held.map((h) => h.tokens.length - 1);
    const weighted = Math.exp(
      (n[0] * Math.log(mine.bySource[wells]) + n[1] * Math.log(mine.bySource[shakespeare])) / (n[0] + n[1]),
    );
    expect(summary.valPerplexity).toBeCloseTo(weighted, 10);
    // eval gives the same per file, and the terminal shows a line per source.
    const e = await run('eval', '--model', out, '--data', wells, '--data', shakespeare, '--json');
    const whole = JSON.parse(e.stdout);
    const texts = [timeMachineText().slice(0, 6000), shakespeareText().slice(0, 4000)].map(
      (t) => lm.encode(t).length - 1,
    );
    const expected = Math.exp(
      (texts[0] * Math.log(whole.bySource[wells]) + texts[1] * Math.log(whole.bySource[shakespeare])) /
        (texts[0] + texts[1]),
    );
    expect(whole.perplexity).toBeCloseTo(expected, 10);
    const plain = await run(
      'train',
      '--data',
      wells,
      '--data',
      shakespeare,
      '--val-frac',
      '0.2',
      '--epochs',
      '1',
      '--out',
      out,
      ...TINY,
    );
    expect(plain.stdout).toMatch(
      /validation perplexity \d+\.\d{3}\n {2}.*wells\.txt +\d+\.\d+ +\([\d,]+ tokens\)\n {2}.*shakespeare\.txt/,
    );
    lm.dispose();
  });

  test('--keep-best keeps the checkpoint of the best validation epoch', async () => {
    const out = join(dir, 'best.safetensors');
    const r = await run(
      'train',
      '--data',
      wells,
      '--val-frac',
      '0.2',
      '--epochs',
      '5',
      '--lr',
      '4',
      '--keep-best',
      '--out',
      out,
      '--json',
      ...TINY,
    );
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.best).toBe(join(dir, 'best.best.safetensors'));
    const history = (await loadCheckpoint(out)).training!.history;
    const bestVal = Math.min(...history.map((h) => h.valPerplexity!));
    const best = await LanguageModel.load(summary.best, { backend: 'wasm' });
    const tokens = best.encode(timeMachineText().slice(0, 6000));
    const held = tokens.subarray(tokens.length - Math.floor(0.2 * tokens.length));
    expect(await best.evaluate(held)).toBeCloseTo(bestVal, 10);
    best.dispose();
  });

  test('bad values exit 2 naming the flag', async () => {
    for (const [flag, value] of [
      ['--min-freq', '0'],
      ['--tokenize', 'bytes'],
      ['--preprocess', 'lower'],
      ['--lr-schedule', 'linear'],
    ]) {
      const r = await run('train', '--data', wells, flag, value, '--epochs', '1', ...TINY);
      expect(r.code, flag).toBe(2);
      expect(r.stderr, flag).toContain(flag);
    }
    const needsVal = await run('train', '--data', wells, '--keep-best', '--epochs', '1', ...TINY);
    expect(needsVal).toMatchObject({ code: 2 });
    expect(needsVal.stderr).toContain('--keep-best needs held-out text: give --val-frac');
    const minLr = await run(
      'train',
      '--data',
      wells,
      '--lr-schedule',
      'cosine',
      '--min-lr',
      '5',
      '--epochs',
      '1',
      ...TINY,
    );
    expect(minLr.code).toBe(2);
    expect(minLr.stderr).toContain('cosine minLr must be in [0, lr = 2]');
  });
});
