/** Robustness: no NaN at large magnitudes, no buffer churn across steps, everything freed by dispose. */
import { expect, it, vi } from 'vitest';
import { counterUniform } from '../../src/model/params.js';
import type { CellType, TokenTensor } from '../../src/model/types.js';
import { createWebGpuModel } from '../../src/webgpu/index.js';
import { describeGpu, testDevice } from './gpu.js';

const device = await testDevice();

const tokens = (b: number, t: number, v: number, stream: number): TokenTensor =>
  ({ shape: [b, t], data: Int32Array.from({ length: b * t }, (_, i) => Math.floor(counterUniform(stream, i) * v)) });

describeGpu(device)('guards (WebGPU)', () => {
  for (const cell of ['rnn', 'gru', 'lstm'] as CellType[]) {
    it(`${cell}: weights and state of magnitude 100 give finite loss and gradients`, async () => {
      const model = await createWebGpuModel({ cell, layers: 2, hidden: 6, vocabSize: 7, dropout: 0.2 }, { device: device! });
      try {
        const dict = await model.stateDict();
        for (const v of Object.values(dict)) v.data = v.data.map((_, i) => (counterUniform(v.data.length, i) < 0.5 ? -100 : 100));
        model.loadStateDict(dict);
        const h = new Float32Array(2 * 3 * 6).fill(100);
        const r = await model.lossAndGrads(tokens(3, 5, 7, 1), tokens(3, 5, 7, 2), cell === 'lstm' ? { h, c: h.map((v) => -v) } : { h });
        expect(Number.isFinite(r.loss)).toBe(true);
        expect(Number.isFinite(r.gradNorm)).toBe(true);
        for (const [k, g] of Object.entries(r.grads)) expect(g.data.every(Number.isFinite), k).toBe(true);
        expect(r.logits.every(Number.isFinite)).toBe(true);
        model.trainStep(tokens(3, 5, 7, 3), tokens(3, 5, 7, 4), { lr: 1, clip: 1 });
        expect(Number.isFinite((await model.readLoss()).loss)).toBe(true);
        expect(Object.values(await model.stateDict()).every((t) => t.data.every(Number.isFinite))).toBe(true);
      } finally {
        model.dispose();
      }
    });
  }

  it('a non-finite loss skips the update and readLoss reports E_NOT_FINITE', async () => {
    const model = await createWebGpuModel({ cell: 'gru', layers: 1, hidden: 4, vocabSize: 5 }, { device: device! });
    try {
      const dict = await model.stateDict();
      dict['linear.weight'].data.fill(3e38); // logits overflow to infinity
      model.loadStateDict(dict);
      const x = tokens(2, 3, 5, 1);
      model.trainStep(x, x, { lr: 1, clip: 1 });
      model.trainStep(x, x, { lr: 1, clip: 1, optimizer: 'adam' });
      await expect(model.readLoss()).rejects.toMatchObject({ code: 'E_NOT_FINITE' });
      const after = await model.stateDict();
      for (const [k, v] of Object.entries(dict)) expect(after[k].data, k).toEqual(v.data);
      // The counters were reset: a finite model trains on.
      dict['linear.weight'].data.fill(0.1);
      model.loadStateDict(dict);
      model.trainStep(x, x, { lr: 1, clip: 1 });
      const r = await model.readLoss();
      expect(r.tokens).toBe(6);
      expect(Number.isFinite(r.loss)).toBe(true);
    } finally {
      model.dispose();
    }
  });

  it('1,000 training steps create no buffers; dispose destroys every buffer the model created', async () => {
    const created = new Set<GPUBuffer>();
    const destroyed = new Set<GPUBuffer>();
    const create = device!.createBuffer.bind(device!);
    const spy = vi.spyOn(device!, 'createBuffer').mockImplementation((desc) => {
      const b = create(desc);
      created.add(b);
      const destroy = b.destroy.bind(b);
      b.destroy = () => { destroyed.add(b); destroy(); };
      return b;
    });
    try {
      const model = await createWebGpuModel({ cell: 'lstm', layers: 2, hidden: 4, vocabSize: 5, dropout: 0.1 }, { device: device! });
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
