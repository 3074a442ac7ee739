// The two kernel builds: plain SIMD everywhere (the default), relaxed-SIMD FMA where the engine validates
// it (opt-in). Both must give the same model within float32 rounding.
import { describe, it } from 'vitest';
import { createWasmModel } from '../../src/backends/wasm/index.js';
import { mix32 } from '../../src/model/params.js';
import type { TokenTensor } from '../../src/model/types.js';
import { expectClose } from '../helpers/fixtures.js';
import { enableRelaxedSimd } from './builds.js';

const tokens = (seed: number, B: number, T: number, V: number): TokenTensor => ({
  shape: [B, T],
  data: Int32Array.from({ length: B * T }, (_, i) => mix32(seed * 7919 + i) % V),
});

describe('kernel builds', () => {
  it.runIf(enableRelaxedSimd())('relaxed SIMD, when validated, agrees with plain SIMD', async () => {
    for (const cell of ['rnn', 'gru', 'lstm'] as const) {
      const config = { cell, layers: 2, hidden: 64, vocabSize: 28, seed: 4 };
      const [plain, relaxed] = await Promise.all([
        createWasmModel(config, { build: 'nn' }),
        createWasmModel(config, { build: 'nn-relaxed' }),
      ]);
      const x = tokens(1, 8, 10, 28);
      const y = tokens(2, 8, 10, 28);
      const a = await plain.lossAndGrads(x, y, null);
      const b = await relaxed.lossAndGrads(x, y, null);
      expectClose(b.logits, a.logits, `${cell} logits`);
      expectClose([b.loss], [a.loss], `${cell} loss`);
      for (const name of Object.keys(a.grads))
        expectClose(b.grads[name].data, a.grads[name].data, `${cell} grad ${name}`);
    }
  });
});
