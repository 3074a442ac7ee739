/**
 * The RecurrentModel contract's rules, once over both engines (src/model/model.ts owns them): argument
 * errors and their codes, E_DISPOSED, the loss accumulator and the non-finite rule of readLoss, the step
 * counter, optimizer state. The carried state is in contract-state.test.ts; numbers against PyTorch stay
 * per backend (test/wasm, test/webgpu).
 */
import { describe, expect, it } from 'vitest';
import { DeepRnnError } from '../../src/errors.js';
import type { ModelConfig, StateDict } from '../../src/model/types.js';
import { expectClose } from '../helpers/fixtures.js';
import { testDevice } from '../webgpu/gpu.js';
import { backendsFor, codeOf, modelsFor, tokens } from './backends.js';

const device = await testDevice();

const lstm: ModelConfig = { cell: 'lstm', layers: 2, hidden: 8, vocabSize: 6, seed: 5 };

const zerosLike = (dict: StateDict): StateDict =>
  Object.fromEntries(
    Object.entries(dict).map(([k, t]) => [k, { shape: t.shape, data: new Float32Array(t.data.length) }]),
  );

describe.each(backendsFor(device))('RecurrentModel contract (%s)', (backend) => {
  const create = modelsFor(backend, device);

  it('rejects bad configs with E_BAD_OPTION', async () => {
    const bad = [
      { hidden: 0 },
      { hidden: -2 },
      { hidden: 1.5 },
      { layers: 0 },
      { layers: -1 },
      { vocabSize: 0 },
      { cell: 'cnn' },
      { dropout: 1 },
      { dropout: -0.1 },
      { nonlinearity: 'relu' },
      { seed: -1 },
      { seed: 2 ** 32 },
      { seed: 1.5 },
    ];
    for (const b of bad)
      expect(await codeOf(() => create({ ...lstm, ...b } as ModelConfig)), JSON.stringify(b)).toBe('E_BAD_OPTION');
    expect(
      await codeOf(() =>
        create({ cell: 'rnn', nonlinearity: 'sigmoid' as 'tanh', layers: 1, hidden: 2, vocabSize: 3 }),
      ),
    ).toBe('E_BAD_OPTION');
  });

  it('rejects bad tokens, shapes, options, states, state dicts and optimizer states, and changes nothing', async () => {
    const m = await create(lstm);
    const x = tokens(1, 2, 3, 6);
    const dict = await m.stateDict();
    expect(await codeOf(() => m.forward({ shape: [2, 3], data: Int32Array.from([0, 1, 2, 3, 4, 6]) }))).toBe(
      'E_TOKEN_RANGE',
    );
    expect(await codeOf(() => m.forward({ shape: [2, 3], data: Int32Array.from([0, 1, 2, 3, 4, -1]) }))).toBe(
      'E_TOKEN_RANGE',
    );
    expect(await codeOf(() => m.lossAndGrads(x, { shape: [2, 3], data: Int32Array.from([0, 1, 2, 3, 4, 9]) }))).toBe(
      'E_TOKEN_RANGE',
    );
    expect(await codeOf(() => m.forward({ shape: [2, 4], data: x.data }))).toBe('E_BAD_SHAPE');
    expect(await codeOf(() => m.forward({ shape: [0, 3], data: new Int32Array(0) }))).toBe('E_BAD_SHAPE');
    expect(await codeOf(() => m.forward({ shape: [2, 3], data: new Float32Array(6) as unknown as Int32Array }))).toBe(
      'E_BAD_SHAPE',
    );
    expect(await codeOf(() => m.lossAndGrads(x, tokens(2, 3, 2, 6)))).toBe('E_BAD_SHAPE');
    expect(await codeOf(() => m.trainStep(x, tokens(2, 3, 2, 6), { lr: 1 }))).toBe('E_BAD_SHAPE');
    for (const o of [
      { lr: NaN },
      { lr: -1 },
      { lr: Infinity },
      { lr: 1, clip: 0 },
      { lr: 1, clip: NaN },
      { lr: 1, optimizer: 'lbfgs' },
      { lr: 1, beta1: 1 },
      { lr: 1, beta2: -0.1 },
      { lr: 1, eps: 0 },
    ]) {
      expect(await codeOf(() => m.trainStep(x, x, o as never)), JSON.stringify(o)).toBe('E_BAD_OPTION');
    }
    expect(await codeOf(() => m.trainStep(x, x, null as never))).toBe('E_BAD_OPTION');
    // States: (layers 2, batch 2, hidden 8); an LSTM needs c.
    expect(await codeOf(() => m.forward(x, { h: new Float32Array(2 * 2 * 8) }))).toBe('E_BAD_SHAPE');
    expect(await codeOf(() => m.forward(x, { h: new Float32Array(5), c: new Float32Array(5) }))).toBe('E_BAD_SHAPE');
    expect(
      await codeOf(() => m.lossAndGrads(x, x, { h: new Float32Array(2 * 3 * 8), c: new Float32Array(2 * 3 * 8) })),
    ).toBe('E_BAD_SHAPE');
    expect(await codeOf(() => m.setState({ h: new Float32Array(7), c: new Float32Array(7) }))).toBe('E_BAD_SHAPE');
    expect(await codeOf(() => m.setState({ h: new Float32Array(5) }))).toBe('E_BAD_SHAPE');
    expect(await codeOf(() => m.setState({ h: new Float32Array(0), c: new Float32Array(0) }))).toBe('E_BAD_SHAPE');
    expect(await codeOf(() => m.setState({ h: new Float32Array(32), c: new Float32Array(32) }, 0))).toBe('E_BAD_SHAPE');
    expect(await codeOf(() => m.setState({ h: new Float32Array(32), c: new Float32Array(32) }, 3))).toBe('E_BAD_SHAPE');
    expect(await codeOf(() => m.setState({ h: new Float32Array(32), c: new Float32Array(16) }))).toBe('E_BAD_SHAPE');
    expect(await codeOf(() => m.setState({ h: [0] as unknown as Float32Array }))).toBe('E_BAD_SHAPE');
    // forward's out: logits for (steps 3 * batch 2) * vocab 6 and a (2, 2, 8) state with its own h and c.
    const state = () => ({ h: new Float32Array(32), c: new Float32Array(32) });
    for (const out of [
      { logits: new Float32Array(35), state: state() },
      { logits: new Float64Array(36) as unknown as Float32Array, state: state() },
      { logits: new Float32Array(36), state: { h: new Float32Array(32) } },
      { logits: new Float32Array(36), state: { h: new Float32Array(16), c: new Float32Array(16) } },
      { logits: new Float32Array(36), state: ((h) => ({ h, c: h }))(new Float32Array(32)) },
      null,
    ]) {
      const code = await codeOf(() => m.forward(x, null, out as never));
      expect(code, `out ${JSON.stringify(out && { logits: out.logits.length, h: out.state.h.length })}`).toBe(
        'E_BAD_SHAPE',
      );
    }
    const { 'linear.bias': _dropped, ...missing } = dict;
    expect(await codeOf(() => m.loadStateDict(missing))).toBe('E_STATE_DICT');
    expect(await codeOf(() => m.loadStateDict({ ...dict, extra: dict['linear.bias'] }))).toBe('E_STATE_DICT');
    expect(
      await codeOf(() => m.loadStateDict({ ...dict, 'linear.bias': { shape: [5], data: new Float32Array(5) } })),
    ).toBe('E_STATE_DICT');
    expect(
      await codeOf(() =>
        m.loadStateDict({
          ...dict,
          'linear.bias': { shape: [6], data: new Float64Array(6) as unknown as Float32Array },
        }),
      ),
    ).toBe('E_STATE_DICT');
    expect(await codeOf(() => m.loadStateDict(null as never))).toBe('E_STATE_DICT');
    expect(await codeOf(() => m.loadOptimizerState({ step: -1 }))).toBe('E_BAD_OPTION');
    expect(await codeOf(() => m.loadOptimizerState({ step: 1.5 }))).toBe('E_BAD_OPTION');
    expect(await codeOf(() => m.loadOptimizerState(null as never))).toBe('E_BAD_OPTION');
    expect(await codeOf(() => m.loadOptimizerState({ step: 1, adam: { m: missing, v: dict } }))).toBe('E_STATE_DICT');
    expect(
      await codeOf(() =>
        m.loadOptimizerState({ step: 1, adam: { m: dict, v: { ...dict, extra: dict['linear.bias'] } } }),
      ),
    ).toBe('E_STATE_DICT');
    expect(await codeOf(() => m.loadOptimizerState({ step: 1, adam: null as never }))).toBe('E_STATE_DICT');
    // Nothing above changed the model: parameters, step counter, moments, carried state, loss.
    const after = await m.stateDict();
    for (const k of Object.keys(dict)) expect(after[k].data, k).toEqual(dict[k].data);
    expect(await m.optimizerState()).toEqual({ step: 0 });
    expect(await m.getState()).toBeNull();
    expect(await m.readLoss()).toStrictEqual({ loss: NaN, tokens: 0 });
  });

  it('after dispose every method throws E_DISPOSED; dispose again is a no-op', async () => {
    const m = await create(lstm);
    const x = tokens(1, 2, 3, 6);
    const dict = await m.stateDict();
    m.dispose();
    const calls: Array<[string, () => unknown]> = [
      ['parameterShapes', () => m.parameterShapes()],
      ['loadStateDict', () => m.loadStateDict(dict)],
      ['stateDict', () => m.stateDict()],
      ['getState', () => m.getState()],
      ['setState', () => m.setState(null)],
      ['forward', () => m.forward(x)],
      ['lossAndGrads', () => m.lossAndGrads(x, x)],
      ['trainStep', () => m.trainStep(x, x, { lr: 1 })],
      ['readLoss', () => m.readLoss()],
      ['optimizerState', () => m.optimizerState()],
      ['loadOptimizerState', () => m.loadOptimizerState({ step: 0 })],
    ];
    for (const [name, call] of calls) expect(await codeOf(call), name).toBe('E_DISPOSED');
    m.dispose();
  });

  it('readLoss: NaN over 0 tokens before any step, the token-weighted mean of the steps since the last read, then resets', async () => {
    const m = await create({ cell: 'gru', layers: 2, hidden: 8, vocabSize: 6, seed: 2 });
    expect(await m.readLoss()).toStrictEqual({ loss: NaN, tokens: 0 });
    const [x1, y1, x2, y2] = [tokens(1, 2, 3, 6), tokens(2, 2, 3, 6), tokens(3, 4, 5, 6), tokens(4, 4, 5, 6)];
    // lossAndGrads from zeros gives the loss the step then computes; it neither updates nor counts.
    const l1 = (await m.lossAndGrads(x1, y1, null)).loss;
    m.trainStep(x1, y1, { lr: 0.5, clip: 1, resetState: true });
    const l2 = (await m.lossAndGrads(x2, y2, null)).loss;
    m.trainStep(x2, y2, { lr: 0.5, clip: 1, resetState: true });
    const r = await m.readLoss();
    expect(r.tokens).toBe(6 + 20);
    expectClose([r.loss], [(6 * l1 + 20 * l2) / 26], 'readLoss');
    expect(await m.readLoss()).toStrictEqual({ loss: NaN, tokens: 0 });
    expect((await m.optimizerState()).step).toBe(2);
  });

  it('lossAndGrads updates nothing and counts no step', async () => {
    const m = await create({ ...lstm, dropout: 0.3 });
    const before = await m.stateDict();
    const a = await m.lossAndGrads(tokens(1, 2, 4, 6), tokens(2, 2, 4, 6), null);
    const b = await m.lossAndGrads(tokens(1, 2, 4, 6), tokens(2, 2, 4, 6), null);
    expect(b.loss).toBe(a.loss); // same step counter, same dropout masks
    expect(Number.isFinite(a.gradNorm) && a.gradNorm > 0).toBe(true);
    const after = await m.stateDict();
    for (const k of Object.keys(before)) expect(after[k].data, k).toEqual(before[k].data);
    expect(await m.optimizerState()).toEqual({ step: 0 });
    expect(await m.readLoss()).toStrictEqual({ loss: NaN, tokens: 0 });
  });

  it('a step with a non-finite loss is skipped and counted; readLoss then throws E_NOT_FINITE once', async () => {
    const m = await create({ cell: 'gru', layers: 1, hidden: 4, vocabSize: 5 });
    const dict = await m.stateDict();
    dict['linear.weight'].data.fill(3e38); // logits overflow to infinity
    m.loadStateDict(dict);
    const x = tokens(1, 2, 3, 5);
    // No throw at the step itself: the GPU decides on the device, read back only by readLoss.
    m.trainStep(x, x, { lr: 1, clip: 1 });
    m.trainStep(x, x, { lr: 1, clip: Infinity, optimizer: 'adam' });
    const after = await m.stateDict();
    for (const [k, v] of Object.entries(dict)) expect(after[k].data, k).toEqual(v.data);
    // A skipped step still advances the counter; Adam counts as used, its moments untouched (zeros).
    expect(await m.optimizerState()).toEqual({ step: 2, adam: { m: zerosLike(dict), v: zerosLike(dict) } });
    const err = await m.readLoss().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeepRnnError);
    expect(err).toMatchObject({ code: 'E_NOT_FINITE' });
    expect((err as Error).message).toMatch(/^2 of the 2 training steps .*skipped/);
    // The accumulator was reset: nothing since, and a finite model trains on.
    expect(await m.readLoss()).toStrictEqual({ loss: NaN, tokens: 0 });
    dict['linear.weight'].data.fill(0.1);
    m.loadStateDict(dict);
    m.trainStep(x, x, { lr: 1, clip: 1 });
    const r = await m.readLoss();
    expect(r.tokens).toBe(6);
    expect(Number.isFinite(r.loss)).toBe(true);
  });

  it('a finite loss with a gradient norm beyond float32 is skipped too', async () => {
    const m = await create({ cell: 'rnn', layers: 1, hidden: 4, vocabSize: 5 });
    const dict = zerosLike(await m.stateDict());
    dict['linear.weight'].data.fill(1e30); // h stays 0, so the logits (the bias) and the loss are finite
    m.loadStateDict(dict);
    const x = tokens(2, 2, 3, 5);
    const loss = (await m.lossAndGrads(x, x, null)).loss;
    expect(loss).toBeCloseTo(Math.log(5), 5);
    m.trainStep(x, x, { lr: 1, clip: Infinity });
    for (const [k, v] of Object.entries(await m.stateDict())) expect(v.data, k).toEqual(dict[k].data);
    await expect(m.readLoss()).rejects.toMatchObject({ code: 'E_NOT_FINITE' });
  });

  it('one NaN parameter: the step is skipped among finite ones and reported at readLoss', async () => {
    const m = await create(lstm);
    const x = tokens(0, 2, 3, 6);
    const y = tokens(1, 2, 3, 6);
    m.trainStep(x, y, { lr: 1 });
    const dict = await m.stateDict();
    dict['linear.bias'].data[0] = NaN;
    m.loadStateDict(dict);
    m.trainStep(x, y, { lr: 1 });
    expect(Array.from((await m.stateDict())['rnn.weight_hh_l0'].data)).toStrictEqual(
      Array.from(dict['rnn.weight_hh_l0'].data),
    );
    await expect(m.readLoss()).rejects.toMatchObject({
      code: 'E_NOT_FINITE',
      message: expect.stringMatching(/^1 of the 2 /),
    });
    expect((await m.optimizerState()).step).toBe(2);
  });

  it('round-trips the optimizer state: a restored model continues bit-identically (dropout on)', async () => {
    const config: ModelConfig = { cell: 'lstm', layers: 2, hidden: 5, vocabSize: 6, dropout: 0.25, seed: 9 };
    const [a, b] = [await create(config), await create(config)];
    const opts = { optimizer: 'adam' as const, lr: 0.01, clip: 1 };
    for (let i = 0; i < 3; i++) a.trainStep(tokens(i, 3, 4, 6), tokens(i + 10, 3, 4, 6), opts);
    b.loadStateDict(await a.stateDict());
    const opt = await a.optimizerState();
    expect(opt.step).toBe(3);
    b.loadOptimizerState(opt);
    b.setState(await a.getState());
    for (let i = 3; i < 5; i++) for (const m of [a, b]) m.trainStep(tokens(i, 3, 4, 6), tokens(i + 10, 3, 4, 6), opts);
    const [pa, pb] = [await a.stateDict(), await b.stateDict()];
    for (const k of Object.keys(pa)) expect(pb[k].data, k).toEqual(pa[k].data);
    const [sa, sb] = [(await a.getState())!, (await b.getState())!];
    expect(sb.h).toEqual(sa.h);
    expect(sb.c).toEqual(sa.c);
    const [oa, ob] = [await a.optimizerState(), await b.optimizerState()];
    expect(ob.step).toBe(5);
    expect(ob).toEqual(oa);
  });

  it('an optimizer state without Adam moments drops them; Adam then restarts from zeros', async () => {
    const m = await create({ cell: 'gru', layers: 1, hidden: 3, vocabSize: 6 });
    const [x, y] = [tokens(1, 3, 4, 6), tokens(2, 3, 4, 6)];
    m.trainStep(x, y, { optimizer: 'adam', lr: 0.01 });
    expect((await m.optimizerState()).adam).toBeDefined();
    m.loadOptimizerState({ step: 0 });
    expect(await m.optimizerState()).toEqual({ step: 0 });
    const start = await m.stateDict();
    m.trainStep(x, y, { optimizer: 'adam', lr: 0.01 });
    // From zero moments the first Adam step moves every parameter with a nonzero gradient by about lr.
    const after = await m.stateDict();
    const moved = Object.keys(start).flatMap((k) =>
      Array.from(after[k].data, (v, i) => Math.abs(v - start[k].data[i])),
    );
    expect(Math.max(...moved)).toBeLessThan(0.0101);
    expect(Math.max(...moved)).toBeGreaterThan(0.0099);
    expect((await m.optimizerState()).step).toBe(1);
  });
});
