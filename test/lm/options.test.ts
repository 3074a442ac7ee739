// The API's options: every text option survives a checkpoint, temperature 0 is greedy, <unk> is never
// sampled unless asked, a misspelt option name is E_BAD_OPTION naming it, and threads are checked.
import { availableParallelism } from 'node:os';
import { describe, expect, test } from 'vitest';
import { LanguageModel, buildCorpus, decodeCheckpoint, type TrainProgress } from '../../src/index.js';

const tiny = { cell: 'gru', layers: 1, hidden: 8, seed: 3, backend: 'wasm' } as const;

async function reject(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  const error = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toMatchObject({ code: 'E_BAD_OPTION' });
  expect(String((error as Error).message)).toMatch(pattern);
}

describe('LanguageModel options', () => {
  test('newlines and reserved tokens round-trip through a checkpoint; encode agrees after loading', async () => {
    const { vocab } = await buildCorpus('to be\nor not to be\n', {
      preprocess: 'none',
      newlines: true,
      reserved: ['<eos>'],
    });
    const lm = await LanguageModel.create(vocab, tiny);
    const bytes = await lm.toBytes();
    expect(decodeCheckpoint(bytes).text).toEqual({
      preprocess: 'none',
      tokenize: 'char',
      newlines: true,
      reserved: ['<eos>'],
    });
    const loaded = await LanguageModel.load(bytes, { backend: 'wasm' });
    expect(loaded.vocab.options).toEqual(vocab.options);
    expect(loaded.vocab.reserved).toEqual(['<eos>']);
    expect([...loaded.encode('to\nbe')]).toEqual([...lm.encode('to\nbe')]);
    expect(loaded.encode('to\nbe')).toHaveLength(5);
    lm.dispose();
    loaded.dispose();
  });

  test('temperature 0 is greedy, as in the CLI and the demo', async () => {
    const { vocab } = await buildCorpus('the time machine by h g wells '.repeat(5));
    const lm = await LanguageModel.create(vocab, tiny);
    const greedy = await lm.generate('the ', { length: 20, greedy: true });
    expect(await lm.generate('the ', { length: 20, temperature: 0, seed: 9 })).toBe(greedy);
    await reject(lm.generate('the ', { length: 5, temperature: -1 }), /temperature must be a finite number >= 0/);
    lm.dispose();
  });

  test('<unk> is never sampled unless allowUnk, even when it is the likeliest token', async () => {
    const { vocab } = await buildCorpus('abc abc abc');
    const lm = await LanguageModel.create(vocab, tiny);
    const params = await lm.model.stateDict();
    params['linear.bias'].data[0] = 100; // <unk> is id 0
    lm.model.loadStateDict(params);
    const ids = async (o: object) => {
      const out: number[] = [];
      for await (const t of lm.stream('ab', { length: 30, ...o })) out.push(t.id);
      return out;
    };
    expect((await ids({ greedy: true })).includes(0)).toBe(false);
    expect((await ids({ temperature: 1, seed: 4 })).includes(0)).toBe(false);
    expect((await ids({ topK: 1 })).includes(0)).toBe(false);
    expect(await ids({ greedy: true, allowUnk: true })).toEqual(new Array(30).fill(0));
    lm.dispose();
  });

  test('onProgress reports the batches of each epoch, ending at the last one', async () => {
    const { vocab, tokens } = await buildCorpus('the time machine by h g wells '.repeat(200));
    const lm = await LanguageModel.create(vocab, tiny);
    const seen: TrainProgress[] = [];
    await lm.train(tokens, { epochs: 2, lr: 1, batchSize: 4, numSteps: 8, onProgress: (p) => void seen.push(p) });
    const perEpoch = Math.floor(Math.floor((tokens.length - 1) / 4) / 8); // d2l sequential, offset 0 at most
    for (const epoch of [1, 2]) {
      const last = seen.filter((p) => p.epoch === epoch).at(-1)!;
      expect(last.batch).toBe(last.batches);
      expect(last.batches).toBeGreaterThan(perEpoch - 2);
      expect(last.batches).toBeLessThanOrEqual(perEpoch);
    }
    expect(seen.every((p) => p.epochs === 2 && p.batch <= p.batches)).toBe(true);
    lm.dispose();
  });

  test('a misspelt option name is E_BAD_OPTION naming it', async () => {
    const { vocab } = await buildCorpus('abc abc abc');
    await reject(LanguageModel.create(vocab, { ...tiny, hiden: 8 } as never), /^unknown model option 'hiden'/);
    const lm = await LanguageModel.create(vocab, tiny);
    await reject(lm.generate('ab', { length: 3, top_k: 2 } as never), /^unknown generate option 'top_k'/);
    await reject(
      lm.train('abc abc abc abc', { epochs: 1, learningRate: 1 } as never),
      /^unknown train option 'learningRate'/,
    );
    await reject(
      LanguageModel.load(await lm.toBytes(), { backend: 'wasm', device: null } as never),
      /^unknown load option 'device'/,
    );
    lm.dispose();
  });

  test('threads: N, auto or 1 by default, on create and load; anything else is E_BAD_OPTION', async () => {
    const { vocab } = await buildCorpus('abc abc abc');
    const lm = await LanguageModel.create(vocab, tiny);
    expect(lm.threads).toBe(1);
    const bytes = await lm.toBytes();
    lm.dispose();
    const three = await LanguageModel.create(vocab, { ...tiny, threads: 3 });
    expect(three.threads).toBe(3);
    three.dispose();
    const loaded = await LanguageModel.load(bytes, { backend: 'wasm', threads: 'auto' });
    expect(loaded.threads).toBe(availableParallelism());
    loaded.dispose();
    for (const threads of [0, -1, 1.5, 65, Number.NaN, '2', 'all', null])
      await reject(
        LanguageModel.create(vocab, { ...tiny, threads } as never),
        /^threads must be 'auto' or an integer in \[1, 64\], got /,
      );
    await reject(LanguageModel.load(bytes, { backend: 'wasm', threads: 0 }), /^threads must be/);
    await reject(
      LanguageModel.create(vocab, { ...tiny, backend: 'webgpu', threads: 2 }),
      /^threads applies to the wasm backend/,
    );
  });
});
