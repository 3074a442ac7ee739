// Behaviour of the WASM engine itself, beyond the contract (test/model/contract*.test.ts runs the shared
// rules over both engines) and the fixtures: the wasm32 size limit, dropout masks, the cells' activations,
// memory that does not grow per step.
import { describe, expect, it } from 'vitest';
import { createWasmModel } from '../../src/backends/wasm/index.js';
import { instantiateKernels, kernelModule } from '../../src/backends/wasm/kernels.js';
import { Arena } from '../../src/backends/wasm/arena.js';
import { dropoutUniform } from '../../src/model/params.js';
import type { ModelConfig } from '../../src/model/types.js';
import { codeOf, tokens } from '../model/backends.js';

const lstm: ModelConfig = { cell: 'lstm', layers: 2, hidden: 8, vocabSize: 6, seed: 5 };

describe('WASM engine', () => {
  it('refuses a model that cannot fit in wasm32 memory with E_TOO_LARGE', async () => {
    expect(await codeOf(() => createWasmModel({ cell: 'lstm', layers: 2, hidden: 20000, vocabSize: 10 }))).toBe(
      'E_TOO_LARGE',
    );
  });

  it('draws dropout masks exactly as dropoutUniform', async () => {
    const k = await instantiateKernels(kernelModule('nn'));
    const arena = new Arena(k);
    const n = 5000;
    const mask = arena.alloc(n);
    arena.commit();
    for (const [seed, step, layer, p] of [
      [0, 0, 0, 0.5],
      [123456789, 17, 2, 0.1],
      [0xffffffff, 3, 1, 0.9],
    ]) {
      const scale = Math.fround(1 / (1 - p));
      k.dropoutMask(mask, seed, step, layer, n, p, scale);
      const got = arena.f32(mask, n);
      for (let i = 0; i < n; i++) expect(got[i]).toBe(dropoutUniform(seed, step, layer, i) >= p ? scale : 0);
    }
  });

  it('activations: sigmoid and tanh within 1e-6 of float64, saturating at any magnitude, NaN kept', async () => {
    // rnnForward with zero biases and h.W_hh^T = 0 gives tanh(x); an LSTM with c_prev = 0 saves its
    // input gate sigmoid(x) in act. H = 7 runs the 4-lane path and the 1-lane tail.
    const k = await instantiateKernels(kernelModule('nn'));
    const arena = new Arena(k);
    const xs = [
      0,
      -0,
      1e-8,
      -3,
      0.5,
      2,
      7.9,
      -7.95,
      20,
      -20,
      88,
      -88,
      100,
      -100,
      1e30,
      -1e30,
      Infinity,
      -Infinity,
      NaN,
    ];
    const H = 7;
    const B = Math.ceil(xs.length / H);
    const [xp, zeros, h, c, act] = [4 * B * H, 4 * B * H, B * H, B * H, 5 * B * H].map((n) => arena.alloc(n));
    arena.commit();
    arena.zero(zeros, 4 * B * H);
    const input = arena.f32(xp, 4 * B * H);
    xs.forEach((x, i) => {
      const [b, j] = [Math.floor(i / H), i % H];
      input[b * H + j] = x; // RNN: the only gate; LSTM: the input gate i
    });
    k.rnnForward(h, xp, zeros, zeros, zeros, B, H, 0);
    const tanh = arena.f32(h, B * H).slice();
    for (let b = 0; b < B; b++) input.fill(0, b * 4 * H, (b + 1) * 4 * H);
    xs.forEach((x, i) => {
      input[Math.floor(i / H) * 4 * H + (i % H)] = x;
    });
    k.lstmForward(act, h, c, xp, zeros, zeros, zeros, zeros, B, H);
    const saved = arena.f32(act, 5 * B * H);
    xs.forEach((x, i) => {
      const [b, j] = [Math.floor(i / H), i % H];
      const [t, s] = [tanh[b * H + j], saved[b * 5 * H + j]];
      if (Number.isNaN(x)) {
        expect(t, 'tanh(NaN)').toBeNaN();
        expect(s, 'sigmoid(NaN)').toBeNaN();
        return;
      }
      expect(Math.abs(t - Math.tanh(x)), `tanh(${x}) = ${t}`).toBeLessThanOrEqual(1e-6);
      expect(Math.abs(s - 1 / (1 + Math.exp(-x))), `sigmoid(${x}) = ${s}`).toBeLessThanOrEqual(
        1e-6 * Math.max(s, 1e-30),
      );
      if (Math.abs(x) >= 20) expect(t, `tanh(${x})`).toBe(Math.sign(x));
      if (x >= 20) expect(s, `sigmoid(${x})`).toBe(1);
    });
  });

  it('allocates once per batch shape: memory constant over 50 steps, grows only for a bigger batch', async () => {
    const m = await createWasmModel(lstm);
    const bytes = () => (m as unknown as { engine: { arena: Arena } }).engine.arena.bytes;
    m.trainStep(tokens(0, 4, 6, 6), tokens(1, 4, 6, 6), { lr: 1, clip: 1 });
    const first = bytes();
    for (let s = 0; s < 50; s++)
      m.trainStep(tokens(s, 4, 6, 6), tokens(s + 1, 4, 6, 6), { lr: 1, clip: 1, optimizer: s % 2 ? 'adam' : 'sgd' });
    await m.forward(tokens(0, 1, 1, 6));
    expect(bytes()).toBe(first);
    m.trainStep(tokens(0, 64, 30, 6), tokens(1, 64, 30, 6), { lr: 1, clip: 1 });
    expect(bytes()).toBeGreaterThan(first);
    expect((await m.readLoss()).tokens).toBe(51 * 24 + 64 * 30);
    m.dispose();
  });
});
