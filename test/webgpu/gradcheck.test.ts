/**
 * Finite-difference gradient check of the whole model on random weights, per cell (and with dropout, whose
 * mask is fixed for a given optimizer step): for each parameter tensor, the directional derivative along a
 * random +-1 direction d, (L(p + eps*d) - L(p - eps*d)) / 2eps, against sum(grad * d).
 */
import { expect, it } from 'vitest';
import { counterUniform } from '../../src/model/params.js';
import type { ModelConfig, StateDict, TokenTensor } from '../../src/model/types.js';
import { createWebGpuModel } from '../../src/backends/webgpu/index.js';
import { describeGpu, testDevice } from './gpu.js';

const device = await testDevice();

function tokens(b: number, t: number, v: number, stream: number): TokenTensor {
  return {
    shape: [b, t],
    data: Int32Array.from({ length: b * t }, (_, i) => Math.floor(counterUniform(stream, i) * v)),
  };
}

function shifted(dict: StateDict, name: string, dir: Float32Array, eps: number): StateDict {
  const out: StateDict = {};
  for (const [k, v] of Object.entries(dict))
    out[k] = { shape: v.shape, data: k === name ? v.data.map((x, i) => x + eps * dir[i]) : v.data };
  return out;
}

const cases: Array<[string, ModelConfig]> = [
  ['rnn tanh', { cell: 'rnn', layers: 2, hidden: 5, vocabSize: 6, seed: 3 }],
  ['gru', { cell: 'gru', layers: 2, hidden: 5, vocabSize: 6, seed: 4 }],
  ['lstm', { cell: 'lstm', layers: 2, hidden: 5, vocabSize: 6, seed: 5 }],
  ['lstm with dropout', { cell: 'lstm', layers: 3, hidden: 4, vocabSize: 6, seed: 6, dropout: 0.3 }],
];

describeGpu(device)('finite-difference gradient check (WebGPU)', () => {
  for (const [label, config] of cases) {
    it(label, async () => {
      const model = await createWebGpuModel(config, { device: device! });
      try {
        // Larger weights than the default init, so that every gate is away from its linear regime.
        const base = await model.stateDict();
        for (const [k, v] of Object.entries(base))
          v.data = v.data.map((x, i) => 3 * x + 0.1 * (counterUniform(k.length, i) - 0.5));
        model.loadStateDict(base);
        const x = tokens(3, 4, config.vocabSize, 1);
        const y = tokens(3, 4, config.vocabSize, 2);
        const h0 = new Float32Array(config.layers * 3 * config.hidden).map((_, i) => counterUniform(9, i) - 0.5);
        const state = config.cell === 'lstm' ? { h: h0, c: h0.map((v) => -v) } : { h: h0 };
        const { grads } = await model.lossAndGrads(x, y, state);
        const eps = 1e-2;
        for (const [name, g] of Object.entries(grads)) {
          const dir = g.data.map((_, i) => (counterUniform(name.length * 7 + 1, i) < 0.5 ? -1 : 1));
          model.loadStateDict(shifted(base, name, dir, eps));
          const plus = (await model.lossAndGrads(x, y, state)).loss;
          model.loadStateDict(shifted(base, name, dir, -eps));
          const minus = (await model.lossAndGrads(x, y, state)).loss;
          const fd = (plus - minus) / (2 * eps);
          const an = g.data.reduce((s, v, i) => s + v * dir[i], 0);
          expect(Math.abs(fd - an), `${label} ${name}: finite difference ${fd}, analytic ${an}`).toBeLessThanOrEqual(
            2e-3 + 1e-2 * Math.abs(an),
          );
        }
      } finally {
        model.dispose();
      }
    });
  }
});
