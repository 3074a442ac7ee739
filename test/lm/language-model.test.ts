import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { DeepRnnError } from '../../src/errors.js';
import { LanguageModel } from '../../src/lm/language-model.js';
import { buildCorpus, Vocab } from '../../src/text/index.js';
import { fixtureCheckpoint, pyTensors, pythonStyleFile } from '../checkpoint/helpers.js';
import { timeMachineText } from '../helpers/data.js';
import { expectClose, loadFixture } from '../helpers/fixtures.js';

const book = timeMachineText();
const dir = mkdtempSync(join(tmpdir(), 'deeprnn-lm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const small = { cell: 'lstm', layers: 2, hidden: 24, seed: 7, backend: 'wasm' } as const;
const trainOptions = { batchSize: 8, numSteps: 10, lr: 2, clip: 1 };

async function smallModel() {
  const corpus = await buildCorpus(book, { maxTokens: 3000 });
  return { corpus, lm: await LanguageModel.create(corpus.vocab, small) };
}

describe('LanguageModel on WASM', () => {
  test('training lowers perplexity and reports per-epoch events', async () => {
    const { corpus, lm } = await smallModel();
    const events: number[] = [];
    const result = await lm.train(corpus.tokens, {
      ...trainOptions,
      epochs: 12,
      onEpoch: (e) => void events.push(e.trainPerplexity),
    });
    expect(result.aborted).toBe(false);
    expect(events).toHaveLength(12);
    expect(events[0]).toBeLessThan(30);
    expect(events[11]).toBeLessThan(events[0] * 0.85);
    expect(result.history.every((e) => e.tokensPerSecond > 0)).toBe(true);
    lm.dispose();
  });

  test('held-out perplexity each epoch, and evaluate() agrees with it', async () => {
    const { corpus, lm } = await smallModel();
    const validation = corpus.tokens.slice(2500);
    const result = await lm.train(corpus.tokens.slice(0, 2500), { ...trainOptions, epochs: 2, validation });
    const last = result.history[1];
    expect(last.valPerplexity).toBeGreaterThan(1);
    expect(await lm.evaluate(validation)).toBeCloseTo(last.valPerplexity!, 10);
    lm.dispose();
  });

  test('an aborted run resumed from its checkpoint equals the uninterrupted run, bit for bit', async () => {
    const straight = await smallModel();
    await straight.lm.train(straight.corpus.tokens, { ...trainOptions, epochs: 3, optimizer: 'adam', lr: 0.01 });
    const expected = await straight.lm.model.stateDict();
    straight.lm.dispose();

    const first = await smallModel();
    const controller = new AbortController();
    let steps = 0;
    const original = first.lm.model.trainStep.bind(first.lm.model);
    first.lm.model.trainStep = (x, y, o) => {
      original(x, y, o);
      if (++steps === 45) controller.abort(); // mid-epoch 2 (each epoch has ~36 batches)
    };
    const partial = await first.lm.train(first.corpus.tokens, {
      ...trainOptions,
      epochs: 3,
      optimizer: 'adam',
      lr: 0.01,
      signal: controller.signal,
    });
    expect(partial.aborted).toBe(true);
    expect(partial.training.batch).toBeGreaterThan(0);
    const path = join(dir, 'partial.safetensors');
    await first.lm.save(path, partial.training);
    first.lm.dispose();

    const resumed = await LanguageModel.load(path, { backend: 'wasm' });
    const { loadCheckpoint } = await import('../../src/checkpoint/index.js');
    const ckpt = await loadCheckpoint(path);
    await resumed.train(first.corpus.tokens, {
      ...trainOptions,
      epochs: 3,
      optimizer: 'adam',
      lr: 0.01,
      resume: ckpt.training,
    });
    const got = await resumed.model.stateDict();
    for (const name of Object.keys(expected)) expect(got[name].data, name).toEqual(expected[name].data);
    resumed.dispose();
  });

  test('resume: the saved recipe is used; an option that disagrees, other data or a fresh model are refused', async () => {
    const first = await smallModel();
    const done = await first.lm.train(first.corpus.tokens, {
      ...trainOptions,
      epochs: 1,
      partition: 'random',
      seed: 9,
    });
    const bytes = await first.lm.toBytes(done.training);
    const { decodeCheckpoint } = await import('../../src/checkpoint/index.js');
    const training = decodeCheckpoint(bytes).training!;
    const again = await LanguageModel.load(bytes, { backend: 'wasm' });
    const bad = async (options: object, pattern: RegExp) => {
      const error = await again.train(first.corpus.tokens, { epochs: 2, resume: training, ...options }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'E_BAD_OPTION' });
      expect(String((error as Error).message)).toMatch(pattern);
    };
    await bad({ batchSize: 16 }, /^batchSize is 16 but the run being resumed used 8/);
    await bad({ seed: 0 }, /^seed is 0 but the run being resumed used 9/);
    await bad({ partition: 'sequential' }, /^partition is "sequential" but/);
    await bad({ learningRate: 2 }, /^unknown train option 'learningRate'/);
    const error = await again.train(first.corpus.tokens.slice(1), { epochs: 2, resume: training }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(String((error as Error).message)).toMatch(/the training data differ from the run being resumed/);
    const fresh = await smallModel();
    const notLoaded = await fresh.lm.train(first.corpus.tokens, { epochs: 2, resume: training }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(String((notLoaded as Error).message)).toMatch(/resume needs the model loaded from the checkpoint/);
    const resumed = await again.train(first.corpus.tokens, { epochs: 2, resume: training });
    expect(resumed.history).toHaveLength(1);
    expect(resumed.training.epoch).toBe(2);
    for (const m of [first.lm, again, fresh.lm]) m.dispose();
  });

  test('an abort from a timer takes effect inside an epoch, not at its end', async () => {
    const { lm } = await smallModel();
    const long = Int32Array.from({ length: 400_000 }, (_, i) => (i * 7919) % lm.vocab.size);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const result = await lm.train(long, { ...trainOptions, epochs: 1, signal: controller.signal });
    expect(result.aborted).toBe(true);
    expect(result.training.epoch).toBe(0);
    expect(result.training.batch).toBeGreaterThan(0);
    expect(result.training.batch).toBeLessThan(4000); // the epoch has ~5,000 batches
    lm.dispose();
  });

  test('save -> load gives identical logits and generations', async () => {
    const { corpus, lm } = await smallModel();
    await lm.train(corpus.tokens, { ...trainOptions, epochs: 1 });
    const bytes = await lm.toBytes();
    const loaded = await LanguageModel.load(bytes, { backend: 'wasm' });
    expect(loaded.vocab.tokens).toEqual(lm.vocab.tokens);
    lm.reset();
    loaded.reset();
    expect(await loaded.feed('the time machine')).toEqual(await lm.feed('the time machine'));
    const options = { length: 40, temperature: 0.8, topK: 5, seed: 3 };
    expect(await loaded.generate('the ', options)).toBe(await lm.generate('the ', options));
    lm.dispose();
    loaded.dispose();
  });

  test('PyTorch weights from a Python-style safetensors file give the fixture logits', async () => {
    const fx = loadFixture('model_lstm');
    const { ckpt, config } = fixtureCheckpoint('model_lstm');
    const bytes = pythonStyleFile(pyTensors(ckpt.params), {
      format: 'deeprnn',
      version: '1',
      config: JSON.stringify(config),
      vocab: JSON.stringify(ckpt.vocab),
      text: JSON.stringify({ preprocess: 'none', tokenize: 'char' }),
    });
    const lm = await LanguageModel.load(bytes, { backend: 'wasm' });
    const { X } = fx.batches[0];
    const x = { shape: [X.length, X[0].length] as [number, number], data: Int32Array.from(X.flat()) };
    const { logits } = await lm.model.forward(x, null);
    expectClose(logits, fx.step1.logits.data, 'logits');
    lm.dispose();
  });

  test('predict() is d2l predict_ch8: greedy, prefix included; stream() yields log-probabilities', async () => {
    const { corpus, lm } = await smallModel();
    await lm.train(corpus.tokens, { ...trainOptions, epochs: 2 });
    const text = await lm.predict('time traveller', 20);
    expect(text.startsWith('time traveller')).toBe(true);
    expect(text).toHaveLength('time traveller'.length + 20);
    expect(await lm.predict('time traveller', 20)).toBe(text); // greedy is deterministic
    const tokens = [];
    for await (const t of lm.stream('time traveller', { length: 20, greedy: true })) tokens.push(t);
    expect(`time traveller${tokens.map((t) => t.text).join('')}`).toBe(text);
    for (const t of tokens) expect(t.logProb).toBeLessThanOrEqual(0);
    lm.dispose();
  });

  test('the step API carries state: feeding in pieces equals feeding at once', async () => {
    const { lm } = await smallModel();
    lm.reset();
    const whole = await lm.feed('time traveller');
    lm.reset();
    await lm.feed('time ');
    const state = await lm.getState();
    const pieces = await lm.feed('traveller');
    expectClose(pieces, whole, 'logits after pieces', 1e-6, 1e-5);
    lm.setState(state);
    expectClose(await lm.feed('traveller'), whole, 'logits after setState', 1e-6, 1e-5);
    lm.dispose();
  });

  test('feed() after training starts from zeros, not from the training batch state', async () => {
    const { corpus, lm } = await smallModel();
    await lm.train(corpus.tokens, { ...trainOptions, epochs: 1 });
    const afterTraining = await lm.feed('time traveller');
    lm.reset();
    expect(await lm.feed('time traveller')).toEqual(afterTraining);
    lm.dispose();
  });

  test('stream() stops on an AbortSignal', async () => {
    const { lm } = await smallModel();
    const controller = new AbortController();
    let n = 0;
    for await (const _ of lm.stream('the', { length: 1000, seed: 1, signal: controller.signal }))
      if (++n === 5) controller.abort();
    expect(n).toBe(5);
    lm.dispose();
  });

  test('bad input gets typed errors', async () => {
    const vocab = Vocab.fromText('abc');
    await expect(LanguageModel.create({} as Vocab, small)).rejects.toMatchObject({ code: 'E_BAD_OPTION' });
    await expect(LanguageModel.create(vocab, { ...small, layers: 0 })).rejects.toMatchObject({ code: 'E_BAD_OPTION' });
    await expect(LanguageModel.load(new Uint8Array([1, 2, 3]))).rejects.toMatchObject({ code: 'E_BAD_CHECKPOINT' });
    const lm = await LanguageModel.create(vocab, small);
    await expect(lm.train(Int32Array.from([1, 2, 3]), { epochs: 1, lr: 1 })).rejects.toMatchObject({
      code: 'E_CORPUS_TOO_SMALL',
    });
    await expect(
      lm.train(
        Int32Array.from({ length: 2000 }, (_, i) => i % 3),
        { epochs: 0, lr: 1 },
      ),
    ).rejects.toBeInstanceOf(DeepRnnError);
    await expect(lm.generate('abc', { length: -1 })).rejects.toMatchObject({ code: 'E_BAD_OPTION' });
    await expect(lm.generate('abc', { length: 5, temperature: -1 })).rejects.toMatchObject({ code: 'E_BAD_OPTION' });
    await expect(lm.generate('', { length: 5 })).rejects.toMatchObject({ code: 'E_EMPTY_CORPUS' });
    await expect(lm.evaluate('a')).rejects.toMatchObject({ code: 'E_CORPUS_TOO_SMALL' });
    lm.dispose();
  });
});
