/**
 * The carried state and the other behaviour both engines share, once over both (src/model/model.ts
 * keeps which batch size the carried state is for): running a sequence token by token equals one run
 * over it, a state for another batch size starts from zeros, setState infers the batch size,
 * getState/setState round-trip; determinism, dropout only in training, no NaN at magnitude 100.
 */
import { describe, expect, it } from 'vitest';
import type { CellType, ModelConfig, RecurrentState, StateDict } from '../../src/model/types.js';
import { mix32 } from '../../src/model/params.js';
import { testDevice } from '../webgpu/gpu.js';
import { backendsFor, modelsFor, tokens } from './backends.js';

const device = await testDevice();

const lstm: ModelConfig = { cell: 'lstm', layers: 2, hidden: 8, vocabSize: 6, seed: 5 };
const cells: CellType[] = ['rnn', 'gru', 'lstm'];
const same = (a: ArrayLike<number>, b: ArrayLike<number>, what: string) =>
  expect(Array.from(a), what).toStrictEqual(Array.from(b));

describe.each(backendsFor(device))('carried state (%s)', (backend) => {
  const create = modelsFor(backend, device);

  for (const cell of cells) {
    it(`${cell}: token by token (batch 1 and 2) equals one forward over the sequence`, async () => {
      const config: ModelConfig = { cell, layers: 2, hidden: 12, vocabSize: 7, seed: 9 };
      const m = await create(config);
      // Run after a batched step and an update first, so stale weight copies would show.
      await m.forward(tokens(4, 1, 1, 7), null);
      m.trainStep(tokens(1, 5, 3, 7), tokens(2, 5, 3, 7), { lr: 0.5 });
      const fresh = await create(config);
      fresh.loadStateDict(await m.stateDict());
      for (const B of [1, 2]) {
        const T = 9;
        const seq = tokens(4, B, T, 7);
        const whole = await m.forward(seq, null);
        same((await fresh.forward(seq, null)).logits, whole.logits, `${cell} B${B}: loaded weights`);
        m.setState(null);
        expect(await m.getState()).toBeNull();
        for (let t = 0; t < T; t++) {
          const step = Int32Array.from({ length: B }, (_, b) => seq.data[b * T + t]);
          const r = await m.forward({ shape: [B, 1], data: step });
          same(r.logits, whole.logits.subarray(t * B * 7, (t + 1) * B * 7), `${cell} B${B} logits at step ${t}`);
        }
        const state = (await m.getState())!;
        same(state.h, whole.state.h, `${cell} B${B} final h`);
        if (cell === 'lstm') same(state.c!, whole.state.c!, `${cell} B${B} final c`);
        else expect(state.c).toBeUndefined();
      }
    });
  }

  it('forward into given arrays: the same results, the state updated in place, then carried', async () => {
    const m = await create(lstm);
    const first = await m.forward(tokens(1, 2, 5, 6), null);
    const plain = await m.forward(tokens(2, 2, 3, 6), first.state);
    const state = { h: first.state.h.slice(), c: first.state.c!.slice() };
    const out = { logits: new Float32Array(3 * 2 * 6).fill(NaN), state };
    const run = await m.forward(tokens(2, 2, 3, 6), state, out);
    expect(run).toBe(out);
    expect(run.state).toBe(state);
    same(out.logits, plain.logits, 'logits');
    same(state.h, plain.state.h, 'h, in place');
    same(state.c, plain.state.c!, 'c, in place');
    // It carries its final state as forward() does.
    const carried = await m.forward(tokens(2, 2, 3, 6), state, {
      logits: out.logits,
      state: { h: new Float32Array(32), c: new Float32Array(32) },
    });
    same((await m.getState())!.h, carried.state.h, 'carried');
  });

  it('carries the state across a change of sequence length', async () => {
    const m = await create(lstm);
    const first = await m.forward(tokens(1, 2, 5, 6), null);
    const carried = await m.forward(tokens(2, 2, 3, 6));
    const explicit = await m.forward(tokens(2, 2, 3, 6), first.state);
    same(carried.logits, explicit.logits, 'logits');
    same(carried.state.c!, explicit.state.c!, 'c');
  });

  it('a carried state for another batch size starts from zeros, and the state is then for the new size', async () => {
    const m = await create(lstm);
    m.trainStep(tokens(0, 4, 6, 6), tokens(1, 4, 6, 6), { lr: 1 });
    expect((await m.getState())!.h.length).toBe(2 * 4 * 8);
    const fromCarried = await m.forward(tokens(3, 2, 6, 6));
    const fromZeros = await m.forward(tokens(3, 2, 6, 6), null);
    same(fromCarried.logits, fromZeros.logits, 'batch 4 -> 2');
    expect((await m.getState())!.h.length).toBe(2 * 2 * 8);
    // A set state for batch 3 does not carry into batch 2 either, nor into a training step.
    m.setState({ h: new Float32Array(2 * 3 * 8).fill(0.5), c: new Float32Array(2 * 3 * 8).fill(0.5) });
    same((await m.forward(tokens(3, 2, 6, 6))).logits, fromZeros.logits, 'set batch 3 -> 2');
    const [a, b] = [await create(lstm), await create(lstm)];
    a.setState({ h: new Float32Array(2 * 3 * 8).fill(0.5), c: new Float32Array(2 * 3 * 8).fill(0.5) });
    for (const model of [a, b]) model.trainStep(tokens(5, 2, 4, 6), tokens(6, 2, 4, 6), { lr: 1 });
    same(
      (await a.stateDict())['rnn.weight_hh_l0'].data,
      (await b.stateDict())['rnn.weight_hh_l0'].data,
      'trainStep after set batch 3',
    );
  });

  it('resetState starts a step from zeros; otherwise it continues the carried state', async () => {
    const [a, b, c] = [await create(lstm), await create(lstm), await create(lstm)];
    for (const m of [a, b, c]) m.trainStep(tokens(0, 2, 4, 6), tokens(1, 2, 4, 6), { lr: 1 });
    a.trainStep(tokens(2, 2, 4, 6), tokens(3, 2, 4, 6), { lr: 1, resetState: true });
    b.setState(null);
    b.trainStep(tokens(2, 2, 4, 6), tokens(3, 2, 4, 6), { lr: 1 });
    c.trainStep(tokens(2, 2, 4, 6), tokens(3, 2, 4, 6), { lr: 1 });
    const [pa, pb, pc] = [await a.stateDict(), await b.stateDict(), await c.stateDict()];
    same(pa['rnn.weight_ih_l0'].data, pb['rnn.weight_ih_l0'].data, 'resetState = setState(null)');
    expect(Array.from(pc['rnn.weight_ih_l0'].data)).not.toStrictEqual(Array.from(pa['rnn.weight_ih_l0'].data));
  });

  it('setState infers the batch size from h or takes it; getState and setState copy', async () => {
    const m = await create(lstm);
    const n = 2 * 3 * 8;
    const state: RecurrentState = {
      h: Float32Array.from({ length: n }, (_, i) => Math.sin(i)),
      c: Float32Array.from({ length: n }, (_, i) => Math.cos(i)),
    };
    const x = tokens(7, 3, 4, 6);
    const given = await m.forward(x, state);
    for (const batchSize of [undefined, 3]) {
      m.setState(state, batchSize);
      const got = (await m.getState())!;
      same(got.h, state.h, 'getState h');
      same(got.c!, state.c!, 'getState c');
      got.h.fill(9); // a copy: the model's state is unchanged
      same((await m.forward(x)).logits, given.logits, `carried from setState(state, ${batchSize})`);
    }
    const mine = { h: state.h.slice(), c: state.c!.slice() };
    m.setState(mine);
    mine.h.fill(9); // setState copied
    same((await m.forward(x)).logits, given.logits, 'after mutating the array given to setState');
    // A round trip through getState continues identically.
    const round = (await m.getState())!;
    const next = await m.forward(tokens(8, 3, 4, 6));
    m.setState(round);
    same((await m.forward(tokens(8, 3, 4, 6))).logits, next.logits, 'getState -> setState round trip');
    // The state a forward returns is the final carried one.
    same(next.state.h, (await m.forward(tokens(8, 3, 4, 6), round)).state.h, 'result state');
  });

  it('forward(x, null) and lossAndGrads start from zeros and carry their final state', async () => {
    const m = await create({ cell: 'gru', layers: 2, hidden: 8, vocabSize: 6, seed: 1 });
    const x = tokens(1, 2, 4, 6);
    const zeros = { h: new Float32Array(2 * 2 * 8) };
    same((await m.forward(x, null)).logits, (await m.forward(x, zeros)).logits, 'null = zeros');
    const r = await m.lossAndGrads(x, x, null);
    same((await m.getState())!.h, r.state.h, 'lossAndGrads carries');
  });
});

describe.each(backendsFor(device))('determinism and numerical safety (%s)', (backend) => {
  const create = modelsFor(backend, device);

  it('repeats runs bit-identically (fresh models, same seed, dropout on)', async () => {
    const config: ModelConfig = { cell: 'gru', layers: 3, hidden: 16, vocabSize: 9, dropout: 0.2, seed: 3 };
    const run = async () => {
      const m = await create(config);
      for (let s = 0; s < 3; s++)
        m.trainStep(tokens(s, 4, 7, 9), tokens(s + 10, 4, 7, 9), {
          lr: 0.5,
          clip: 1,
          optimizer: s === 1 ? 'adam' : 'sgd',
        });
      const r = await m.lossAndGrads(tokens(7, 4, 7, 9), tokens(8, 4, 7, 9));
      const dict = await m.stateDict();
      return [
        r.loss,
        (await m.readLoss()).loss,
        Array.from(r.logits),
        Array.from(dict['rnn.weight_hh_l1'].data),
        Array.from(r.grads['rnn.weight_ih_l0'].data),
      ];
    };
    expect(await run()).toStrictEqual(await run());
  });

  it('uses dropout only in training: forward() equals a dropout-free model', async () => {
    const a = await create({ ...lstm, dropout: 0.5 });
    const b = await create(lstm);
    const x = tokens(3, 2, 5, 6);
    same((await a.forward(x, null)).logits, (await b.forward(x, null)).logits, 'forward');
    const la = await a.lossAndGrads(x, x, null);
    const lb = await b.lossAndGrads(x, x, null);
    expect(la.loss).not.toBe(lb.loss);
  });

  for (const cell of cells) {
    it(`${cell}: weights and state of magnitude 100 give finite losses, gradients and updates`, async () => {
      const m = await create({ cell, layers: 2, hidden: 8, vocabSize: 5, dropout: 0.2, seed: 1 });
      const big: StateDict = {};
      for (const [k, t] of Object.entries(await m.stateDict())) {
        big[k] = { shape: t.shape, data: t.data.map((_, i) => (mix32(i + k.length) & 1 ? 100 : -100)) };
      }
      m.loadStateDict(big);
      const h = new Float32Array(2 * 3 * 8).fill(100);
      const r = await m.lossAndGrads(
        tokens(1, 3, 5, 5),
        tokens(2, 3, 5, 5),
        cell === 'lstm' ? { h, c: h.map((v) => -v) } : { h },
      );
      expect(Number.isFinite(r.loss) && Number.isFinite(r.gradNorm), cell).toBe(true);
      expect(r.logits.every(Number.isFinite) && r.state.h.every(Number.isFinite), cell).toBe(true);
      for (const [k, g] of Object.entries(r.grads)) expect(g.data.every(Number.isFinite), `${cell} ${k}`).toBe(true);
      m.trainStep(tokens(1, 3, 5, 5), tokens(2, 3, 5, 5), { lr: 1, clip: 1 });
      m.trainStep(tokens(3, 3, 5, 5), tokens(4, 3, 5, 5), { lr: 1, clip: 1, optimizer: 'adam' });
      expect(Number.isFinite((await m.readLoss()).loss), cell).toBe(true);
      for (const t of Object.values(await m.stateDict())) expect(t.data.every(Number.isFinite), cell).toBe(true);
    });
  }
});
