// WASM and WebGPU models loaded with the same random weights agree on logits, loss, final state and
// gradients within 1e-4 for every cell and 1-3 layers up to H 256, dropout included (both implement
// dropoutUniform), and after an SGD and an Adam step. Needs a WebGPU adapter (lavapipe in CI): skips
// locally without one, fails when CI=true (test/webgpu/gpu.ts).
import { it } from 'vitest';
import { createWasmModel } from '../../src/backends/wasm/index.js';
import { createWebGpuModel } from '../../src/backends/webgpu/index.js';
import { mix32 } from '../../src/model/params.js';
import type { ModelConfig, TokenTensor } from '../../src/model/types.js';
import { expectClose } from '../helpers/fixtures.js';
import { describeGpu, testDevice } from '../webgpu/gpu.js';

const device = await testDevice();

const tokens = (seed: number, B: number, T: number, V: number): TokenTensor => ({
  shape: [B, T],
  data: Int32Array.from({ length: B * T }, (_, i) => mix32(seed * 7919 + i) % V),
});

const cases: ModelConfig[] = [
  { cell: 'rnn', layers: 1, hidden: 32, vocabSize: 28, seed: 1 },
  { cell: 'rnn', nonlinearity: 'relu', layers: 2, hidden: 64, vocabSize: 28, seed: 2 },
  { cell: 'gru', layers: 3, hidden: 40, vocabSize: 28, dropout: 0.25, seed: 3 },
  { cell: 'gru', layers: 1, hidden: 256, vocabSize: 28, seed: 4 },
  { cell: 'lstm', layers: 2, hidden: 256, vocabSize: 28, dropout: 0.5, seed: 5 },
  { cell: 'lstm', layers: 3, hidden: 70, vocabSize: 11, seed: 6 },
];

const close = (a: ArrayLike<number>, b: ArrayLike<number>, what: string) => expectClose(a, b, what, 1e-4, 1e-4);

describeGpu(device)('WASM and WebGPU agree', () => {
  for (const config of cases) {
    const name = `${config.cell}${config.nonlinearity === 'relu' ? ' relu' : ''} L${config.layers} H${config.hidden}${config.dropout ? ` dropout ${config.dropout}` : ''}`;
    it(name, async () => {
      const wasm = await createWasmModel(config);
      const gpu = await createWebGpuModel(config, { device: device! });
      try {
        const [B, T, V] = [5, 7, config.vocabSize];
        const x = tokens(1, B, T, V);
        const y = tokens(2, B, T, V);
        const a = await wasm.lossAndGrads(x, y, null);
        const b = await gpu.lossAndGrads(x, y, null);
        close([a.loss], [b.loss], `${name} loss`);
        close(a.logits, b.logits, `${name} logits`);
        close(a.state.h, b.state.h, `${name} state h`);
        if (a.state.c) close(a.state.c, b.state.c!, `${name} state c`);
        close([a.gradNorm], [b.gradNorm], `${name} grad norm`);
        for (const k of Object.keys(a.grads)) close(a.grads[k].data, b.grads[k].data, `${name} grad ${k}`);
        for (const optimizer of ['sgd', 'adam'] as const) {
          for (const m of [wasm, gpu])
            m.trainStep(x, y, { optimizer, lr: optimizer === 'sgd' ? 1 : 0.01, clip: 1, resetState: true });
          const [pa, pb] = [await wasm.stateDict(), await gpu.stateDict()];
          for (const k of Object.keys(pa)) close(pa[k].data, pb[k].data, `${name} after ${optimizer} ${k}`);
        }
      } finally {
        wasm.dispose();
        gpu.dispose();
      }
    });
  }
});
