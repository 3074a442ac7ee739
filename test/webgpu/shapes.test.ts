/**
 * Shapes beyond the fixtures (which have batch <= 3, hidden <= 7): batch 11 and hidden 70 exercise several
 * workgroups in x and y and partial row, column and batch blocks in every kernel. Forward against the
 * float64 reference; gradients by finite differences on the same shapes.
 */
import { expect, it } from 'vitest';
import { counterUniform } from '../../src/model/params.js';
import type { CellType, ModelConfig, StateDict, TokenTensor } from '../../src/model/types.js';
import { WebGpuModel } from '../../src/backends/webgpu/index.js';
import { expectClose } from '../helpers/fixtures.js';
import { describeGpu, testDevice } from './gpu.js';
import { referenceForward } from './reference.js';

const device = await testDevice();

const tokens = (b: number, t: number, v: number, stream: number): TokenTensor => ({
  shape: [b, t],
  data: Int32Array.from({ length: b * t }, (_, i) => Math.floor(counterUniform(stream, i) * v)),
});

describeGpu(device)('shapes beyond the fixtures (WebGPU)', () => {
  for (const cell of ['rnn', 'gru', 'lstm'] as CellType[]) {
    it(`${cell}: batch 11, hidden 70, vocab 9, 2 layers`, async () => {
      const config: ModelConfig = { cell, layers: 2, hidden: 70, vocabSize: 9, seed: 11 };
      const model = await WebGpuModel.create(config, { device: device! });
      try {
        const params = await model.stateDict();
        for (const v of Object.values(params)) v.data = v.data.map((w) => 2.5 * w);
        model.loadStateDict(params);
        const x = tokens(11, 4, 9, 1);
        const y = tokens(11, 4, 9, 2);
        const ref = referenceForward(model.config, params, x, y);
        const r = await model.lossAndGrads(x, y, null);
        expectClose(r.logits, ref.logits, `${cell} logits`);
        expectClose([r.loss], [ref.loss], `${cell} loss`);
        expectClose(r.state.h, ref.h, `${cell} final h`);
        // Directional finite differences of the float64 reference loss, per tensor.
        for (const [name, g] of Object.entries(r.grads)) {
          const dir = g.data.map((_, i) => (counterUniform(name.length + 100, i) < 0.5 ? -1 : 1));
          const at = (eps: number): number => {
            const shifted: StateDict = {
              ...params,
              [name]: { shape: g.shape, data: params[name].data.map((w, i) => w + eps * dir[i]) },
            };
            return referenceForward(model.config, shifted, x, y).loss;
          };
          const eps = 1e-3;
          const fd = (at(eps) - at(-eps)) / (2 * eps);
          const an = g.data.reduce((s, v, i) => s + v * dir[i], 0);
          expect(Math.abs(fd - an), `${cell} ${name}: finite difference ${fd}, analytic ${an}`).toBeLessThanOrEqual(
            1e-4 + 1e-3 * Math.abs(an),
          );
        }
      } finally {
        model.dispose();
      }
    });
  }
});
