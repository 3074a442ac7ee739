/**
 * Resuming: parameters + optimizer state (Adam moments, step counter, which also drives the dropout masks)
 * moved into a fresh model continue training bit-identically.
 */
import { expect, it } from 'vitest';
import { counterUniform } from '../../src/model/params.js';
import type { TokenTensor } from '../../src/model/types.js';
import { createWebGpuModel } from '../../src/webgpu/index.js';
import { describeGpu, testDevice } from './gpu.js';

const device = await testDevice();

const tokens = (stream: number): TokenTensor =>
  ({ shape: [3, 4], data: Int32Array.from({ length: 12 }, (_, i) => Math.floor(counterUniform(stream, i) * 6)) });

describeGpu(device)('optimizer state (WebGPU)', () => {
  it('a model restored from stateDict + optimizerState + state continues identically', async () => {
    const config = { cell: 'lstm' as const, layers: 2, hidden: 5, vocabSize: 6, dropout: 0.25, seed: 9 };
    const a = await createWebGpuModel(config, { device: device! });
    const b = await createWebGpuModel(config, { device: device! });
    try {
      const opts = { optimizer: 'adam' as const, lr: 0.01, clip: 1 };
      for (let i = 0; i < 3; i++) a.trainStep(tokens(i), tokens(i + 10), opts);
      b.loadStateDict(await a.stateDict());
      const opt = await a.optimizerState();
      expect(opt.step).toBe(3);
      b.loadOptimizerState(opt);
      b.setState(await a.getState());
      for (let i = 3; i < 5; i++) {
        a.trainStep(tokens(i), tokens(i + 10), opts);
        b.trainStep(tokens(i), tokens(i + 10), opts);
      }
      const [pa, pb] = [await a.stateDict(), await b.stateDict()];
      for (const k of Object.keys(pa)) expect(pb[k].data, k).toEqual(pa[k].data);
      const [sa, sb] = [(await a.getState())!, (await b.getState())!];
      expect(sb.h).toEqual(sa.h);
      expect(sb.c).toEqual(sa.c);
      expect((await b.optimizerState()).adam!.v).toEqual((await a.optimizerState()).adam!.v);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('loading a state without Adam moments drops them; Adam then restarts from zeros', async () => {
    const model = await createWebGpuModel({ cell: 'gru', layers: 1, hidden: 3, vocabSize: 6 }, { device: device! });
    try {
      model.trainStep(tokens(1), tokens(2), { optimizer: 'adam', lr: 0.01 });
      expect((await model.optimizerState()).adam).toBeDefined();
      model.loadOptimizerState({ step: 0 });
      expect(await model.optimizerState()).toEqual({ step: 0 });
      const start = await model.stateDict();
      model.trainStep(tokens(1), tokens(2), { optimizer: 'adam', lr: 0.01 });
      // From zero moments the first Adam step moves every parameter with a nonzero gradient by about lr.
      const after = await model.stateDict();
      const moved = Object.keys(start).flatMap((k) => Array.from(after[k].data, (v, i) => Math.abs(v - start[k].data[i])));
      expect(Math.max(...moved)).toBeLessThan(0.0101);
      expect(Math.max(...moved)).toBeGreaterThan(0.0099);
    } finally {
      model.dispose();
    }
  });
});
