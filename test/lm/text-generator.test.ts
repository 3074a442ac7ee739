/**
 * deeprnn/generate's TextGenerator against LanguageModel, and the rules of batch-1 work both share
 * (src/lm/text-model.ts): the same numbers from the same checkpoint; streams that interleave on one model
 * (a Worker's concurrent requests) each get their own text; the step API's state is its own; long texts
 * run in chunks of at most 512 steps with the numbers of one run.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LanguageModel } from '../../src/lm/language-model.js';
import { TextGenerator } from '../../src/lm/text-generator.js';
import { buildCorpus } from '../../src/text/index.js';
import { timeMachineText } from '../helpers/data.js';

const book = timeMachineText();
let bytes: Uint8Array;
let generator: TextGenerator;
beforeAll(async () => {
  const corpus = await buildCorpus(book, { maxTokens: 3000 });
  const lm = await LanguageModel.create(corpus.vocab, { cell: 'gru', layers: 2, hidden: 40, seed: 2, backend: 'wasm' });
  await lm.train(corpus.tokens, { epochs: 1, batchSize: 8, numSteps: 16, lr: 1 });
  bytes = await lm.toBytes();
  lm.dispose();
  generator = await TextGenerator.load(bytes);
});
afterAll(() => generator?.dispose());

const sampling = { length: 60, temperature: 0.8, topP: 0.9, seed: 12 };

describe('TextGenerator', () => {
  it('gives LanguageModel’s text, log-probabilities, logits and perplexity from the same checkpoint', async () => {
    const lm = await LanguageModel.load(bytes, { backend: 'wasm' });
    for (const m of [lm, generator]) m.reset();
    const collect = async (m: LanguageModel | TextGenerator) => {
      const tokens = [];
      for await (const t of m.stream('the time ', sampling)) tokens.push([t.id, t.text, t.logProb]);
      return { tokens, logits: await m.feed('machine'), ppl: await m.evaluate(book.slice(0, 2000)) };
    };
    expect(await collect(generator)).toEqual(await collect(lm));
    expect(generator.backend).toBe('wasm');
    expect(generator.config).toEqual(lm.config);
    lm.dispose();
  });

  it('loads from bytes, an ArrayBuffer or a Blob; anything else, or a bad file, is a typed error', async () => {
    const expected = await generator.generate('the ', sampling);
    for (const source of [bytes.slice().buffer, new Blob([bytes as Uint8Array<ArrayBuffer>])]) {
      const g = await TextGenerator.load(source);
      expect(await g.generate('the ', sampling)).toBe(expected);
      g.dispose();
    }
    await expect(TextGenerator.load('model.safetensors' as never)).rejects.toMatchObject({ code: 'E_BAD_OPTION' });
    await expect(TextGenerator.load(bytes.subarray(0, 100))).rejects.toMatchObject({ code: 'E_BAD_CHECKPOINT' });
  });
});

describe('batch-1 work on one model', () => {
  it('interleaved streams (concurrent requests) each give the text they give alone', async () => {
    const a = { ...sampling, seed: 1 };
    const b = { ...sampling, seed: 2, temperature: 1.2 };
    const alone = [await generator.generate('the time ', a), await generator.generate('traveller ', b)];
    const together = await Promise.all([generator.generate('the time ', a), generator.generate('traveller ', b)]);
    expect(together).toEqual(alone);
    expect(alone[0]).not.toBe(alone[1]);
  });

  it('the step API keeps its own state: a stream or an evaluation in between changes nothing', async () => {
    generator.reset();
    await generator.feed('the time ');
    const expected = await generator.feed('traveller');
    generator.reset();
    await generator.feed('the time ');
    await generator.generate('something else entirely ', sampling);
    await generator.evaluate(book.slice(0, 500));
    expect(await generator.feed('traveller')).toEqual(expected);
    generator.setState(null);
    expect(await generator.getState()).toBeNull();
    expect(() => generator.setState({ h: new Float32Array(3) })).toThrow(
      expect.objectContaining({ code: 'E_BAD_SHAPE' }),
    );
  });

  it('a long text runs in chunks of at most 512 steps, with the numbers of one run', async () => {
    const text = book.slice(0, 3000);
    const ids = generator.encodePiece(text);
    expect(ids.length).toBeGreaterThan(1300);
    const { logits } = await generator.model.forward({ shape: [1, ids.length], data: ids }, null);
    const V = generator.config.vocabSize;
    const forward = vi.spyOn(generator.model, 'forward');
    generator.reset();
    expect(await generator.feed(text)).toEqual(logits.slice(logits.length - V));
    const steps = forward.mock.calls.map(([x]) => x.shape[1]);
    expect(Math.max(...steps)).toBe(512);
    expect(steps.reduce((a, b) => a + b, 0)).toBe(ids.length);
    forward.mockRestore();
  });
});
