/**
 * Batch-1 work on a WebGPU LanguageModel runs on a WASM copy of its weights (src/lm/wasm-copy.ts): the
 * same text, log-probabilities, logits and perplexity as a WASM model with the same weights, bit for bit,
 * with no GPU forward at all; the copy follows training and loads. A model loaded from an int8
 * checkpoint runs that work on an int8 copy on either backend.
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { LanguageModel } from '../../src/lm/language-model.js';
import { buildCorpus, type Corpus } from '../../src/text/index.js';
import { timeMachineText } from '../helpers/data.js';
import { describeGpu, testDevice } from '../webgpu/gpu.js';

const device = await testDevice();
const options = { length: 120, seed: 5, temperature: 0.8, topK: 8 };

async function run(lm: LanguageModel) {
  const tokens = [];
  for await (const t of lm.stream('time traveller ', options)) tokens.push(t);
  lm.reset();
  return {
    text: tokens.map((t) => t.text).join(''),
    logProbs: tokens.map((t) => t.logProb),
    logits: [...(await lm.feed('the time machine'))],
    perplexity: await lm.evaluate('the time traveller for so it will be convenient to speak of him'),
  };
}

describeGpu(device)('a WebGPU LanguageModel generates on a WASM copy', () => {
  let corpus: Corpus;
  let gpu: LanguageModel;
  const config = { cell: 'lstm', layers: 2, hidden: 32, seed: 11 } as const;
  beforeAll(async () => {
    device!.destroy(); // only asked whether there is an adapter: each LanguageModel makes its own device
    corpus = await buildCorpus(timeMachineText(), { maxTokens: 3000 });
    gpu = await LanguageModel.create(corpus.vocab, { ...config, backend: 'webgpu' });
  });
  afterAll(() => gpu?.dispose());

  it('the same numbers as a WASM model with the same weights, and no GPU forward', async () => {
    const wasm = await LanguageModel.create(corpus.vocab, { ...config, backend: 'wasm' });
    const forward = vi.spyOn(gpu.model, 'forward');
    expect(gpu.backend).toBe('webgpu');
    expect(await run(gpu)).toEqual(await run(wasm)); // toEqual: Object.is on every number
    expect(forward).not.toHaveBeenCalled();
    forward.mockRestore();
    wasm.dispose();
  });

  it('follows training and loadStateDict: then it generates what the trained weights do', async () => {
    const before = await run(gpu);
    await gpu.train(corpus.tokens, { epochs: 1, batchSize: 8, numSteps: 16, lr: 2 });
    const trained = await LanguageModel.load(await gpu.toBytes(), { backend: 'wasm' });
    const after = await run(gpu);
    expect(after).toEqual(await run(trained));
    expect(after.text).not.toBe(before.text);

    const untrained = await LanguageModel.create(corpus.vocab, { ...config, backend: 'wasm' });
    gpu.model.loadStateDict(await untrained.model.stateDict());
    expect(await run(gpu)).toEqual(before);
    untrained.dispose();
    trained.dispose();
  });

  it('an int8 checkpoint loaded on WebGPU generates from its int8 weights, as on WASM and in TextGenerator', async () => {
    const int8 = await gpu.quantize('int8');
    const onGpu = await LanguageModel.load(int8, { backend: 'webgpu' });
    const onWasm = await LanguageModel.load(int8, { backend: 'wasm' });
    const { TextGenerator } = await import('../../src/lm/text-generator.js');
    const generator = await TextGenerator.load(int8);
    const forward = vi.spyOn(onGpu.model, 'forward');
    const expected = await run(onWasm);
    expect(await run(onGpu)).toEqual(expected);
    expect(forward).not.toHaveBeenCalled();
    generator.reset();
    const tokens = [];
    for await (const t of generator.stream('time traveller ', options)) tokens.push(t.text);
    expect(tokens.join('')).toBe(expected.text);
    expect(expected.perplexity).not.toBe((await run(gpu)).perplexity); // int8 numbers, not f32's
    for (const m of [onGpu, onWasm, generator]) m.dispose();
  });
});
