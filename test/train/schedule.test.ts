// Learning-rate schedules and early stopping: the rates each epoch runs at, a resumed run on the same
// rates, and a run that stops when validation no longer improves.
import { describe, expect, test } from 'vitest';
import { LanguageModel, buildCorpus } from '../../src/index.js';
import { scheduledLr } from '../../src/train/schedule.js';
import { timeMachineText } from '../helpers/data.js';

const tiny = { cell: 'gru', layers: 1, hidden: 8, seed: 3, backend: 'wasm' } as const;
const small = { batchSize: 4, numSteps: 8 };

async function model() {
  const { vocab, tokens } = await buildCorpus(timeMachineText().slice(0, 3000));
  return { lm: await LanguageModel.create(vocab, tiny), tokens };
}

describe('learning-rate schedules', () => {
  test('cosine with warmup: the rate of each epoch', async () => {
    const { lm, tokens } = await model();
    const lrs: number[] = [];
    await lm.train(tokens, {
      ...small,
      epochs: 6,
      lr: 1,
      cosine: { minLr: 0.1 },
      warmup: 2,
      onEpoch: (e) => void lrs.push(e.lr),
    });
    const cos = (e: number) => 0.1 + (0.9 * (1 + Math.cos((Math.PI * e) / 6))) / 2;
    expect(lrs).toEqual([cos(0) / 2, cos(1), cos(2), cos(3), cos(4), cos(5)]);
    expect(lrs[0]).toBeCloseTo(0.5, 12);
    expect(lrs[5]).toBeGreaterThan(0.1);
    lm.dispose();
  });

  test('an interrupted cosine run resumed to its planned epochs equals the uninterrupted one, bit for bit', async () => {
    const options = { ...small, epochs: 4, lr: 1, cosine: { minLr: 0.05 }, warmup: 1 };
    const straight = await model();
    await straight.lm.train(straight.tokens, options);
    const expected = await straight.lm.model.stateDict();
    const first = await model();
    const controller = new AbortController();
    const partial = await first.lm.train(first.tokens, {
      ...options,
      signal: controller.signal,
      onEpoch: (e) => {
        if (e.epoch === 2) controller.abort();
      },
    });
    expect(partial.training.epoch).toBe(2);
    const again = await LanguageModel.load(await first.lm.toBytes(partial.training), { backend: 'wasm' });
    await again.train(first.tokens, { epochs: 4, resume: partial.training });
    const got = await again.model.stateDict();
    for (const name of Object.keys(expected)) expect(got[name].data, name).toEqual(expected[name].data);
    for (const m of [straight.lm, first.lm, again]) m.dispose();
  });

  test('step decay as char-rnn: lr *= rate after every epoch from `after` on', () => {
    const s = { decay: { rate: 0.5, after: 2 } };
    expect([0, 1, 2, 3].map((e) => scheduledLr(8, s, e, 4))).toEqual([8, 8, 4, 2]);
  });

  test('refuses both decay and cosine, a minLr above lr, and a fractional warmup', async () => {
    const { lm, tokens } = await model();
    const bad = (o: object) =>
      lm.train(tokens, { ...small, epochs: 1, lr: 1, ...o }).then(
        () => null,
        (e: unknown) => e,
      );
    expect(await bad({ cosine: { minLr: 0 }, lrDecay: { rate: 0.9, after: 1 } })).toMatchObject({
      code: 'E_BAD_OPTION',
    });
    expect(await bad({ cosine: { minLr: 2 } })).toMatchObject({ code: 'E_BAD_OPTION' });
    expect(await bad({ warmup: 1.5 })).toMatchObject({ code: 'E_BAD_OPTION' });
    lm.dispose();
  });
});

describe('early stopping', () => {
  test('stops once validation has not improved for `patience` epochs, at an epoch boundary', async () => {
    const { lm, tokens } = await model();
    // A clip of 1e-30 leaves every update below float32 resolution: validation never changes.
    const r = await lm.train(tokens.slice(0, 2500), {
      ...small,
      epochs: 20,
      lr: 1,
      clip: 1e-30,
      validation: tokens.slice(2500),
      earlyStopping: { patience: 2 },
    });
    expect(r.stoppedEarly).toBe(true);
    expect(r.history).toHaveLength(3);
    expect(r.training.batch).toBe(0);
    expect(r.training.epoch).toBe(3);
    await expect(
      lm.train(tokens, { ...small, epochs: 1, lr: 1, earlyStopping: { patience: 1 } }),
    ).rejects.toMatchObject({ code: 'E_BAD_OPTION' });
    lm.dispose();
  });

  test('a run that keeps improving is not stopped', async () => {
    const { lm, tokens } = await model();
    const r = await lm.train(tokens.slice(0, 2500), {
      ...small,
      epochs: 3,
      lr: 1,
      validation: tokens.slice(2500),
      earlyStopping: { patience: 5 },
    });
    expect(r.stoppedEarly).toBe(false);
    expect(r.aborted).toBe(false);
    lm.dispose();
  });
});
