// Contract behaviour of the WASM model beyond the fixtures: errors (codes from validate.ts), determinism,
// NaN safety, dropout masks, state carrying, memory that does not grow per step, dispose.
import { describe, expect, it } from 'vitest';
import { createWasmModel, WasmModel } from '../../src/wasm/index.js';
import { instantiateKernels } from '../../src/wasm/kernels.js';
import { Arena } from '../../src/wasm/arena.js';
import { dropoutUniform, mix32 } from '../../src/model/params.js';
import type { ModelConfig, RecurrentModel, StateDict, TokenTensor } from '../../src/model/types.js';
import { DeepRnnError } from '../../src/errors.js';

function tokens(seed: number, B: number, T: number, V: number): TokenTensor {
  return { shape: [B, T], data: Int32Array.from({ length: B * T }, (_, i) => mix32(seed * 7919 + i) % V) };
}

async function codeOf(f: () => unknown): Promise<string> {
  try {
    await f();
  } catch (e) {
    expect(e).toBeInstanceOf(DeepRnnError);
    return (e as DeepRnnError).code;
  }
  return 'no error';
}

const lstm: ModelConfig = { cell: 'lstm', layers: 2, hidden: 8, vocabSize: 6, seed: 5 };

describe('bad input', () => {
  it('rejects bad configs with E_BAD_OPTION', async () => {
    for (const bad of [{ ...lstm, hidden: 0 }, { ...lstm, layers: -1 }, { ...lstm, vocabSize: 0 }, { ...lstm, cell: 'xyz' },
      { ...lstm, dropout: 1 }, { ...lstm, hidden: 2.5 }, { ...lstm, nonlinearity: 'relu' }]) {
      expect(await codeOf(() => createWasmModel(bad as ModelConfig))).toBe('E_BAD_OPTION');
    }
  });

  it('refuses a model that cannot fit in wasm32 memory with E_TOO_LARGE', async () => {
    expect(await codeOf(() => createWasmModel({ cell: 'lstm', layers: 2, hidden: 20000, vocabSize: 10 }))).toBe('E_TOO_LARGE');
  });

  it('rejects bad tokens, shapes, options, states and state dicts', async () => {
    const m = await createWasmModel(lstm);
    const x = tokens(1, 2, 3, 6);
    expect(await codeOf(() => m.forward({ shape: [2, 3], data: Int32Array.from([0, 1, 2, 3, 4, 6]) }))).toBe('E_TOKEN_RANGE');
    expect(await codeOf(() => m.forward({ shape: [2, 3], data: Int32Array.from([0, 1, 2, 3, 4, -1]) }))).toBe('E_TOKEN_RANGE');
    expect(await codeOf(() => m.forward({ shape: [2, 4], data: x.data }))).toBe('E_BAD_SHAPE');
    expect(await codeOf(() => m.forward({ shape: [0, 3], data: new Int32Array(0) }))).toBe('E_BAD_SHAPE');
    expect(await codeOf(() => m.lossAndGrads(x, tokens(2, 3, 2, 6)))).toBe('E_BAD_SHAPE');
    expect(await codeOf(() => m.trainStep(x, x, { lr: NaN }))).toBe('E_BAD_OPTION');
    expect(await codeOf(() => m.trainStep(x, x, { lr: -1 }))).toBe('E_BAD_OPTION');
    expect(await codeOf(() => m.trainStep(x, x, { lr: 1, clip: 0 }))).toBe('E_BAD_OPTION');
    expect(await codeOf(() => m.trainStep(x, x, { lr: 1, optimizer: 'lbfgs' as 'sgd' }))).toBe('E_BAD_OPTION');
    expect(await codeOf(() => m.forward(x, { h: new Float32Array(2 * 2 * 8) }))).toBe('E_BAD_SHAPE');
    expect(await codeOf(() => m.forward(x, { h: new Float32Array(5), c: new Float32Array(5) }))).toBe('E_BAD_SHAPE');
    expect(await codeOf(() => m.setState({ h: new Float32Array(7), c: new Float32Array(7) }))).toBe('E_BAD_SHAPE');
    const dict = await m.stateDict();
    const { ['linear.bias']: _dropped, ...missing } = dict;
    expect(await codeOf(() => m.loadStateDict(missing))).toBe('E_STATE_DICT');
    expect(await codeOf(() => m.loadStateDict({ ...dict, extra: dict['linear.bias'] }))).toBe('E_STATE_DICT');
    expect(await codeOf(() => m.loadStateDict({ ...dict, 'linear.bias': { shape: [5], data: new Float32Array(5) } }))).toBe('E_STATE_DICT');
    m.dispose();
    expect(await codeOf(() => m.forward(x))).toBe('E_DISPOSED');
    expect(await codeOf(() => m.stateDict())).toBe('E_DISPOSED');
    m.dispose();
  });
});

describe('determinism and numerical safety', () => {
  it('repeats runs bit-identically (fresh models, same seed, dropout on)', async () => {
    const config: ModelConfig = { cell: 'gru', layers: 3, hidden: 16, vocabSize: 9, dropout: 0.2, seed: 3 };
    const run = async () => {
      const m = await createWasmModel(config);
      for (let s = 0; s < 3; s++) m.trainStep(tokens(s, 4, 7, 9), tokens(s + 10, 4, 7, 9), { lr: 0.5, clip: 1 });
      const r = await m.lossAndGrads(tokens(7, 4, 7, 9), tokens(8, 4, 7, 9));
      const dict = await m.stateDict();
      m.dispose();
      return [r.loss, Array.from(r.logits), Array.from(dict['rnn.weight_hh_l1'].data), Array.from(r.grads['rnn.weight_ih_l0'].data)];
    };
    expect(await run()).toStrictEqual(await run());
  });

  it('stays finite with inputs and weights of magnitude 100', async () => {
    for (const cell of ['rnn', 'gru', 'lstm'] as const) {
      const m = await createWasmModel({ cell, layers: 2, hidden: 8, vocabSize: 5, seed: 1 });
      const big: StateDict = {};
      for (const [k, t] of Object.entries(await m.stateDict())) {
        big[k] = { shape: t.shape, data: t.data.map((_, i) => (mix32(i + k.length) & 1 ? 100 : -100)) };
      }
      m.loadStateDict(big);
      const h = new Float32Array(2 * 3 * 8).fill(100);
      const r = await m.lossAndGrads(tokens(1, 3, 5, 5), tokens(2, 3, 5, 5), cell === 'lstm' ? { h, c: h } : { h });
      expect(Number.isFinite(r.loss), cell).toBe(true);
      expect(r.logits.every(Number.isFinite) && r.state.h.every(Number.isFinite), cell).toBe(true);
      for (const g of Object.values(r.grads)) expect(g.data.every(Number.isFinite), cell).toBe(true);
      m.trainStep(tokens(1, 3, 5, 5), tokens(2, 3, 5, 5), { lr: 1, clip: 1, optimizer: 'adam' });
      for (const t of Object.values(await m.stateDict())) expect(t.data.every(Number.isFinite), cell).toBe(true);
      m.dispose();
    }
  });

  it('draws dropout masks exactly as dropoutUniform', async () => {
    const k = await instantiateKernels('nn');
    const arena = new Arena(k);
    const n = 5000;
    const mask = arena.alloc(n);
    arena.commit();
    for (const [seed, step, layer, p] of [[0, 0, 0, 0.5], [123456789, 17, 2, 0.1], [0xffffffff, 3, 1, 0.9]]) {
      const scale = Math.fround(1 / (1 - p));
      k.dropoutMask(mask, seed, step, layer, n, p, scale);
      const got = arena.f32(mask, n);
      for (let i = 0; i < n; i++) expect(got[i]).toBe(dropoutUniform(seed, step, layer, i) >= p ? scale : 0);
    }
  });

  it('uses dropout only in training: forward() equals a dropout-free model', async () => {
    const a = await createWasmModel({ ...lstm, dropout: 0.5 });
    const b = await createWasmModel(lstm);
    const x = tokens(3, 2, 5, 6);
    expect(Array.from((await a.forward(x, null)).logits)).toStrictEqual(Array.from((await b.forward(x, null)).logits));
    const la = await a.lossAndGrads(x, x, null);
    const lb = await b.lossAndGrads(x, x, null);
    expect(la.loss).not.toBe(lb.loss);
  });
});

describe('state and memory', () => {
  it('carries state: one token at a time equals one long forward', async () => {
    for (const cell of ['rnn', 'gru', 'lstm'] as const) {
      const config: ModelConfig = { cell, layers: 2, hidden: 12, vocabSize: 7, seed: 9 };
      const m = await createWasmModel(config);
      // Generate after a batched step first and after an update, so stale weight copies would show.
      await m.forward(tokens(4, 1, 1, 7), null);
      m.trainStep(tokens(1, 5, 3, 7), tokens(2, 5, 3, 7), { lr: 0.5 });
      const seq = tokens(4, 1, 9, 7);
      const whole = await m.forward(seq, null);
      const fresh = await createWasmModel(config);
      fresh.loadStateDict(await m.stateDict());
      expect(Array.from((await fresh.forward(seq, null)).logits)).toStrictEqual(Array.from(whole.logits));
      m.setState(null);
      const rows: number[] = [];
      for (let t = 0; t < 9; t++) {
        const r = await m.forward({ shape: [1, 1], data: seq.data.subarray(t, t + 1) });
        rows.push(...r.logits);
      }
      expect(rows).toStrictEqual(Array.from(whole.logits));
      expect(Array.from((await m.getState())!.h)).toStrictEqual(Array.from(whole.state.h));
      m.dispose();
    }
  });

  it('allocates once per batch shape: memory constant over 50 steps, grows only for a bigger batch', async () => {
    const m = (await createWasmModel(lstm)) as WasmModel;
    const bytes = () => (m as unknown as { arena: Arena }).arena.bytes;
    m.trainStep(tokens(0, 4, 6, 6), tokens(1, 4, 6, 6), { lr: 1, clip: 1 });
    const first = bytes();
    for (let s = 0; s < 50; s++) m.trainStep(tokens(s, 4, 6, 6), tokens(s + 1, 4, 6, 6), { lr: 1, clip: 1, optimizer: s % 2 ? 'adam' : 'sgd' });
    await m.forward(tokens(0, 1, 1, 6));
    expect(bytes()).toBe(first);
    m.trainStep(tokens(0, 64, 30, 6), tokens(1, 64, 30, 6), { lr: 1, clip: 1 });
    expect(bytes()).toBeGreaterThan(first);
    expect((await m.readLoss()).tokens).toBe(51 * 24 + 64 * 30);
    expect(await m.readLoss()).toStrictEqual({ loss: 0, tokens: 0 });
  });

  it('refuses a step whose loss is not finite (E_NOT_FINITE) and leaves the parameters as they were', async () => {
    const m = await createWasmModel(lstm);
    const dict = await m.stateDict();
    dict['linear.bias'].data[0] = NaN;
    m.loadStateDict(dict);
    expect(await codeOf(() => m.trainStep(tokens(0, 2, 3, 6), tokens(1, 2, 3, 6), { lr: 1 }))).toBe('E_NOT_FINITE');
    expect(Array.from((await m.stateDict())['rnn.weight_hh_l0'].data)).toStrictEqual(Array.from(dict['rnn.weight_hh_l0'].data));
    expect((await m.optimizerState()).step).toBe(0);
  });

  it('carries the state across a change of sequence length (the arena is laid out again)', async () => {
    const m = await createWasmModel(lstm);
    const first = await m.forward(tokens(1, 2, 5, 6), null);
    const carried = await m.forward(tokens(2, 2, 3, 6));
    const explicit = await m.forward(tokens(2, 2, 3, 6), first.state);
    expect(Array.from(carried.logits)).toStrictEqual(Array.from(explicit.logits));
    expect(Array.from(carried.state.c!)).toStrictEqual(Array.from(explicit.state.c!));
  });

  it('a carried state for another batch size restarts from zeros', async () => {
    const m: RecurrentModel = await createWasmModel(lstm);
    m.trainStep(tokens(0, 4, 6, 6), tokens(1, 4, 6, 6), { lr: 1 });
    const fromCarried = await m.forward(tokens(3, 2, 6, 6));
    const fromZeros = await m.forward(tokens(3, 2, 6, 6), null);
    expect(Array.from(fromCarried.logits)).toStrictEqual(Array.from(fromZeros.logits));
  });

  it('round-trips the optimizer state so training continues bit-identically', async () => {
    const a = await createWasmModel(lstm);
    const b = await createWasmModel(lstm);
    for (let s = 0; s < 2; s++) a.trainStep(tokens(s, 2, 4, 6), tokens(s + 5, 2, 4, 6), { lr: 0.01, optimizer: 'adam' });
    b.loadStateDict(await a.stateDict());
    b.loadOptimizerState(await a.optimizerState());
    b.setState(await a.getState());
    for (const m of [a, b]) m.trainStep(tokens(9, 2, 4, 6), tokens(8, 2, 4, 6), { lr: 0.01, optimizer: 'adam' });
    expect(Array.from((await a.stateDict())['rnn.weight_hh_l1'].data)).toStrictEqual(Array.from((await b.stateDict())['rnn.weight_hh_l1'].data));
  });
});
