// Finite-difference gradient check of lossAndGrads for every cell on a random model (2 layers, dropout
// on for the 2-layer cases so the mask path is checked too: the mask depends only on the step counter,
// so it is the same in every perturbed evaluation).
import { describe, expect, it } from 'vitest';
import { createWasmModel } from '../../src/backends/wasm/index.js';
import type { ModelConfig, StateDict, TokenTensor } from '../../src/model/types.js';
import { mix32 } from '../../src/model/params.js';

function tokens(seed: number, B: number, T: number, V: number): TokenTensor {
  return { shape: [B, T], data: Int32Array.from({ length: B * T }, (_, i) => mix32(seed * 7919 + i) % V) };
}

const cases: Array<[string, ModelConfig]> = [
  ['rnn tanh', { cell: 'rnn', layers: 2, hidden: 5, vocabSize: 7, dropout: 0.3, seed: 11 }],
  ['rnn relu', { cell: 'rnn', nonlinearity: 'relu', layers: 1, hidden: 6, vocabSize: 5, seed: 12 }],
  ['gru', { cell: 'gru', layers: 2, hidden: 5, vocabSize: 7, dropout: 0.3, seed: 13 }],
  ['lstm', { cell: 'lstm', layers: 2, hidden: 5, vocabSize: 7, dropout: 0.3, seed: 14 }],
  ['lstm H 1, 3 layers, vocab 2', { cell: 'lstm', layers: 3, hidden: 1, vocabSize: 2, seed: 15 }],
  ['gru H 9, vocab 1', { cell: 'gru', layers: 1, hidden: 9, vocabSize: 1, seed: 16 }],
];

describe('finite-difference gradients', () => {
  for (const [name, config] of cases) {
    it(name, async () => {
      const model = await createWasmModel(config, { build: 'nn' });
      const x = tokens(1, 3, 4, config.vocabSize);
      const y = tokens(2, 3, 4, config.vocabSize);
      const h0 = new Float32Array(config.layers * 3 * config.hidden).map((_, i) => (mix32(i + 99) % 1000) / 1000 - 0.5);
      const state = config.cell === 'lstm' ? { h: h0, c: h0.map((v) => -v) } : { h: h0 };
      const base = await model.stateDict();
      const { grads } = await model.lossAndGrads(x, y, state);
      const loss = async (dict: StateDict) => {
        model.loadStateDict(dict);
        return (await model.lossAndGrads(x, y, state)).loss;
      };
      const eps = 1e-2;
      let checked = 0;
      for (const [pname, t] of Object.entries(base)) {
        for (let s = 0; s < 4; s++) {
          const i = mix32(checked * 31 + s) % t.data.length;
          const plus = structuredClone(base);
          plus[pname].data[i] += eps;
          const minus = structuredClone(base);
          minus[pname].data[i] -= eps;
          const fd = ((await loss(plus)) - (await loss(minus))) / (2 * eps);
          const g = grads[pname].data[i];
          expect(Math.abs(fd - g), `${name} ${pname}[${i}]: fd ${fd}, analytic ${g}`).toBeLessThanOrEqual(
            2e-3 + 2e-2 * Math.abs(g),
          );
          checked++;
        }
      }
      expect(checked).toBe(Object.keys(base).length * 4);
      model.dispose();
    });
  }
});
