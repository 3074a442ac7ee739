/**
 * WebGPU against the WASM backend on the same config, weights and batches, with dropout on: dropout masks
 * (dropoutUniform, step counter), clipping, SGD and Adam must agree across backends, not only with PyTorch.
 */
import { expect, it } from 'vitest';
import { counterUniform } from '../../src/model/params.js';
import type { ModelConfig, RecurrentModel, TokenTensor } from '../../src/model/types.js';
import { createWasmModel } from '../../src/backends/wasm/index.js';
import { createWebGpuModel } from '../../src/backends/webgpu/index.js';
import { expectClose } from '../helpers/fixtures.js';
import { describeGpu, testDevice } from './gpu.js';

const device = await testDevice();

const tokens = (b: number, t: number, v: number, stream: number): TokenTensor => ({
  shape: [b, t],
  data: Int32Array.from({ length: b * t }, (_, i) => Math.floor(counterUniform(stream, i) * v)),
});

describeGpu(device)('WebGPU agrees with WASM', () => {
  for (const cell of ['rnn', 'gru', 'lstm'] as const) {
    it(`${cell}, 3 layers, dropout 0.3`, async () => {
      const config: ModelConfig = { cell, layers: 3, hidden: 12, vocabSize: 10, dropout: 0.3, seed: 21 };
      const gpu: RecurrentModel = await createWebGpuModel(config, { device: device! });
      const cpu: RecurrentModel = await createWasmModel(config);
      try {
        const x = tokens(5, 6, 10, 1);
        const y = tokens(5, 6, 10, 2);
        const [g, c] = [await gpu.lossAndGrads(x, y, null), await cpu.lossAndGrads(x, y, null)];
        expectClose([g.loss, g.gradNorm], [c.loss, c.gradNorm], `${cell} loss, grad norm`);
        for (const k of Object.keys(c.grads)) expectClose(g.grads[k].data, c.grads[k].data, `${cell} grad ${k}`);
        for (const [i, optimizer] of (['sgd', 'adam', 'sgd'] as const).entries()) {
          const opts = { optimizer, lr: optimizer === 'sgd' ? 0.5 : 0.01, clip: 0.5 };
          gpu.trainStep(tokens(5, 6, 10, 3 + i), tokens(5, 6, 10, 6 + i), opts);
          cpu.trainStep(tokens(5, 6, 10, 3 + i), tokens(5, 6, 10, 6 + i), opts);
        }
        const [pg, pc] = [await gpu.stateDict(), await cpu.stateDict()];
        for (const k of Object.keys(pc)) expectClose(pg[k].data, pc[k].data, `${cell} ${k} after 3 steps`);
        const [lg, lc] = [await gpu.readLoss(), await cpu.readLoss()];
        expect(lg.tokens).toBe(lc.tokens);
        expectClose([lg.loss], [lc.loss], `${cell} readLoss`);
      } finally {
        gpu.dispose();
        cpu.dispose();
      }
    });
  }
});
