/**
 * What int8 and f16 cost on the model users train (issue 15): d2l §9.3's LSTM (2 x 256, 500 epochs on the
 * first 10,000 characters of The Time Machine: test/fixtures/d2l-lstm.safetensors, see the README there)
 * evaluated on 30,000 characters of the book it never saw. Pinned: int8 within 1% of f32, f16 within 0.1%.
 * (That model has learnt its 10,000 characters by heart, training perplexity 1.0, so on new text its
 * perplexity is about 105: the figure is d2l's overfit model's, the cost of quantizing it is what counts.)
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint, quantizeCheckpoint } from '../../src/checkpoint/index.js';
import { TextGenerator } from '../../src/lm/text-generator.js';
import { buildCorpus } from '../../src/text/index.js';
import { fixturesDir } from '../helpers/fixtures.js';
import { timeMachineText } from '../helpers/data.js';

const f32Bytes = readFileSync(`${fixturesDir}d2l-lstm.safetensors`);
const models: Record<'f32' | 'f16' | 'int8', TextGenerator> = {} as never;
const perplexity: Record<string, number> = {};

beforeAll(async () => {
  const ckpt = decodeCheckpoint(f32Bytes);
  models.f32 = await TextGenerator.load(f32Bytes);
  models.f16 = await TextGenerator.load(encodeCheckpoint(quantizeCheckpoint(ckpt, 'f16')));
  models.int8 = await TextGenerator.load(encodeCheckpoint(quantizeCheckpoint(ckpt, 'int8')));
  const held = models.f32.encode(timeMachineText()).subarray(10_000, 40_000);
  for (const [name, m] of Object.entries(models)) perplexity[name] = await m.evaluate(held);
  console.log(`held-out perplexity: ${JSON.stringify(perplexity)}`);
}, 60_000);
afterAll(() => {
  for (const m of Object.values(models)) m.dispose();
});

describe("d2l's trained LSTM, quantized", () => {
  it('keeps held-out perplexity: int8 within 1% of f32, f16 within 0.1%', () => {
    expect(perplexity.f32).toBeGreaterThan(1);
    expect(Math.abs(perplexity.int8 / perplexity.f32 - 1)).toBeLessThan(0.01);
    expect(Math.abs(perplexity.f16 / perplexity.f32 - 1)).toBeLessThan(0.001);
  });

  it("still continues 'time traveller' with the book's own words: f32's greedy text, verbatim from training", async () => {
    const [f32, int8] = await Promise.all([
      models.f32.predict('time traveller', 50),
      models.int8.predict('time traveller', 50),
    ]);
    console.log(`f32:  ${f32}\nint8: ${int8}`);
    expect(int8).toBe(f32);
    const corpus = await buildCorpus(timeMachineText(), { maxTokens: 10_000 });
    const seen = Array.from(corpus.tokens, (id) => corpus.vocab.token(id)).join('');
    expect(seen).toContain(int8.slice('time traveller'.length));
  });
});
