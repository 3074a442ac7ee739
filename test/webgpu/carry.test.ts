/**
 * The carried state: running a sequence one token at a time (as generation does), each call starting from
 * the state the previous one left, gives the logits and final state of one call over the whole sequence.
 */
import { expect, it } from 'vitest';
import { counterUniform } from '../../src/model/params.js';
import type { CellType } from '../../src/model/types.js';
import { createWebGpuModel } from '../../src/webgpu/index.js';
import { expectClose } from '../helpers/fixtures.js';
import { describeGpu, testDevice } from './gpu.js';

const device = await testDevice();

describeGpu(device)('carried state (WebGPU)', () => {
  for (const cell of ['gru', 'lstm'] as CellType[]) {
    it(`${cell}: token-by-token forward equals one forward over the sequence`, async () => {
      const model = await createWebGpuModel({ cell, layers: 2, hidden: 9, vocabSize: 7, seed: 2 }, { device: device! });
      try {
        const [B, T, V] = [2, 6, 7];
        const seq = Int32Array.from({ length: B * T }, (_, i) => Math.floor(counterUniform(5, i) * V));
        const whole = await model.forward({ shape: [B, T], data: seq }, null);
        model.setState(null);
        expect(await model.getState()).toBeNull();
        for (let t = 0; t < T; t++) {
          const step = Int32Array.from({ length: B }, (_, b) => seq[b * T + t]);
          const r = await model.forward({ shape: [B, 1], data: step });
          expectClose(r.logits, whole.logits.subarray(t * B * V, (t + 1) * B * V), `${cell} logits at step ${t}`);
        }
        const state = (await model.getState())!;
        expectClose(state.h, whole.state.h, `${cell} final h`);
        if (cell === 'lstm') expectClose(state.c!, whole.state.c!, `${cell} final c`);
        // A different batch size cannot continue the carried state: it starts from zeros.
        const single = await model.forward({ shape: [1, 1], data: Int32Array.of(seq[0]) });
        const fresh = await model.forward({ shape: [1, 1], data: Int32Array.of(seq[0]) }, null);
        expect(single.logits).toEqual(fresh.logits);
      } finally {
        model.dispose();
      }
    });
  }
});
