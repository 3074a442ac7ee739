/**
 * No buffer churn across steps, everything freed by dispose. NaN safety and the non-finite rule are
 * contract tests over both engines (test/model/).
 */
import { expect, it, vi } from 'vitest';
import { counterUniform } from '../../src/model/params.js';
import type { TokenTensor } from '../../src/model/types.js';
import { createWebGpuModel } from '../../src/backends/webgpu/index.js';
import { describeGpu, testDevice } from './gpu.js';

const device = await testDevice();

const tokens = (b: number, t: number, v: number, stream: number): TokenTensor => ({
  shape: [b, t],
  data: Int32Array.from({ length: b * t }, (_, i) => Math.floor(counterUniform(stream, i) * v)),
});

describeGpu(device)('guards (WebGPU)', () => {
  it('1,000 training steps create no buffers; dispose destroys every buffer the model created', async () => {
    const created = new Set<GPUBuffer>();
    const destroyed = new Set<GPUBuffer>();
    const create = device!.createBuffer.bind(device!);
    const spy = vi.spyOn(device!, 'createBuffer').mockImplementation((desc) => {
      const b = create(desc);
      created.add(b);
      const destroy = b.destroy.bind(b);
      b.destroy = () => {
        destroyed.add(b);
        destroy();
      };
      return b;
    });
    try {
      const model = await createWebGpuModel(
        { cell: 'lstm', layers: 2, hidden: 4, vocabSize: 5, dropout: 0.1 },
        { device: device! },
      );
      const x = tokens(2, 3, 5, 1);
      const y = tokens(2, 3, 5, 2);
      model.trainStep(x, y, { lr: 0.5, clip: 1, optimizer: 'adam' });
      model.trainStep(x, y, { lr: 0.5, clip: 1 });
      await model.readLoss();
      const before = created.size;
      for (let i = 0; i < 1000; i++) {
        model.trainStep(x, y, { lr: 0.5, clip: 1, optimizer: i % 2 ? 'adam' : 'sgd' });
        if (i % 250 === 0) await model.readLoss();
      }
      const { loss, tokens: n } = await model.readLoss();
      expect(n).toBe(249 * 6); // steps 751..999, after the read at i = 750
      expect(Number.isFinite(loss)).toBe(true);
      expect(created.size).toBe(before);
      expect((await model.optimizerState()).step).toBe(1002);
      model.dispose();
      expect([...created].filter((b) => !destroyed.has(b))).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });
});
