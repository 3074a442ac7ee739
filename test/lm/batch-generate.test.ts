/**
 * Batched generation (issue 15): several prefixes through one model at once, each sequence with its own
 * state, seed and length, equal token for token (ids and log-probabilities, bit for bit) to generating
 * each alone - on f32 (past one 256-deep block of the GEMM, so batch rows take the blocked kernel and
 * single rows the matrix-vector one) and on int8 weights.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerateOptions } from '../../src/lm/generate.js';
import { LanguageModel } from '../../src/lm/language-model.js';
import { TextGenerator } from '../../src/lm/text-generator.js';
import { buildCorpus } from '../../src/text/index.js';
import { timeMachineText } from '../helpers/data.js';

const prefixes = ['the time traveller ', 'it was ', 'a', 'the machine stood ', 'weena ', 'i said '];
// Sequences end at different steps, so the batch shrinks through 6, 5, 4, 3 (below the blocked GEMM's 4 rows) to 1.
const options: GenerateOptions[] = [
  { length: 30, seed: 1, temperature: 0.8 },
  { length: 12, seed: 2 },
  { length: 0 },
  { length: 25, greedy: true },
  { length: 3, seed: 5, topK: 4 },
  { length: 19, seed: 6, topP: 0.8 },
];

let f32: LanguageModel;
let int8: TextGenerator;
beforeAll(async () => {
  const corpus = await buildCorpus(timeMachineText(), { maxTokens: 2000 });
  f32 = await LanguageModel.create(corpus.vocab, { cell: 'gru', layers: 2, hidden: 260, seed: 9, backend: 'wasm' });
  int8 = await TextGenerator.load(await f32.quantize('int8'));
});
afterAll(() => {
  f32?.dispose();
  int8?.dispose();
});

async function alone(m: LanguageModel | TextGenerator, prefix: string, o: GenerateOptions) {
  const out = [];
  for await (const t of m.stream(prefix, o)) out.push(t);
  return out;
}

describe.each([
  ['f32', () => f32],
  ['int8', () => int8],
])('batched generation on %s', (_name, model) => {
  it('gives every sequence the tokens and log-probabilities it gets alone', async () => {
    const m = model();
    const expected = await Promise.all(prefixes.map((p, i) => alone(m, p, options[i])));
    const got: Array<Array<{ id: number; text: string; logProb: number }>> = prefixes.map(() => []);
    for await (const { sequence, ...t } of m.stream(prefixes, options)) got[sequence].push(t);
    expect(got).toEqual(expected);
    expect(got.map((g) => g.length)).toEqual(options.map((o) => o.length));
    expect(await m.generate(prefixes, options)).toEqual(expected.map((e) => e.map((t) => t.text).join('')));
  });

  it('ends a sequence on its own signal and lets the others run on', async () => {
    const m = model();
    const stop = new AbortController();
    const each = options.map((o, i) => (i === 0 ? { ...o, signal: stop.signal } : o));
    const got: number[][] = prefixes.map(() => []);
    for await (const t of m.stream(prefixes, each)) {
      got[t.sequence].push(t.id);
      if (t.sequence === 0 && got[0].length === 5) stop.abort();
    }
    const expected = await Promise.all(prefixes.map((p, i) => alone(m, p, options[i])));
    expect(got[0]).toEqual(expected[0].slice(0, 5).map((t) => t.id));
    expect(got.slice(1)).toEqual(expected.slice(1).map((e) => e.map((t) => t.id)));
  });
});

describe('batched generation errors', () => {
  it('checks every request before generating anything', async () => {
    const run = async (p: unknown, o: unknown) => {
      for await (const _ of f32.stream(p as string[], o as GenerateOptions)) throw new Error('generated a token');
    };
    await expect(run([], { length: 3 })).rejects.toMatchObject({ code: 'E_BAD_OPTION' });
    await expect(run(['a', 'b'], [{ length: 3 }])).rejects.toMatchObject({
      code: 'E_BAD_OPTION',
      message: expect.stringContaining('2 prefixes but 1 options'),
    });
    await expect(run(['the ', ''], { length: 3 })).rejects.toMatchObject({ code: 'E_EMPTY_CORPUS' });
    await expect(run(['the ', 'a'], [{ length: 3 }, { length: 3, temprature: 1 }])).rejects.toMatchObject({
      code: 'E_BAD_OPTION',
      message: expect.stringContaining('temprature'),
    });
    await expect(run(['the ', 4], { length: 3 })).rejects.toMatchObject({ code: 'E_BAD_OPTION' });
    await expect(run('the ', [{ length: 3 }])).rejects.toMatchObject({ code: 'E_BAD_OPTION' });
  });
});
