/**
 * What only a GPU can run out of or lose gives typed DeepRnnErrors, never a crash or hang. The contract's
 * argument errors, shared by both engines, are in test/model/contract.test.ts.
 */
import { expect, it } from 'vitest';
import { createWebGpuModel, requestDevice } from '../../src/backends/webgpu/index.js';
import { codeOf as code } from '../model/backends.js';
import { describeGpu, testDevice } from './gpu.js';

const device = await testDevice();

const tok = (rows: number[][]) => ({
  shape: [rows.length, rows[0].length] as [number, number],
  data: Int32Array.from(rows.flat()),
});

describeGpu(device)('errors (WebGPU)', () => {
  it('rejects tensors beyond the device storage limit with E_TOO_LARGE', async () => {
    const limit = device!.limits.maxStorageBufferBindingSize;
    const hidden = 1024;
    const vocabSize = Math.ceil(limit / (4 * 4 * hidden)) + 1;
    expect(
      await code(() => createWebGpuModel({ cell: 'lstm', layers: 1, hidden, vocabSize }, { device: device! })),
    ).toBe('E_TOO_LARGE');
  });

  it('a batch too large for the device is E_TOO_LARGE and leaves the model usable', async () => {
    const model = await createWebGpuModel({ cell: 'gru', layers: 1, hidden: 64, vocabSize: 4 }, { device: device! });
    const x = tok([[0, 1, 2]]);
    const before = await model.forward(x, null);
    const limit = device!.limits.maxStorageBufferBindingSize;
    const steps = Math.ceil(limit / (4 * 3 * 64)) + 1; // xp is (T, B, 3H) floats
    expect(await code(() => model.forward({ shape: [1, steps], data: new Int32Array(steps) }))).toBe('E_TOO_LARGE');
    expect(await model.getState()).toBeNull(); // a run that fails part way carries nothing
    expect((await model.forward(x, null)).logits).toEqual(before.logits);
    model.dispose();
  });

  it('reports a lost device with E_DEVICE_LOST instead of hanging', async () => {
    const { device: own } = await requestDevice();
    const model = await createWebGpuModel({ cell: 'rnn', layers: 1, hidden: 3, vocabSize: 4 }, { device: own });
    own.destroy();
    await own.lost;
    const x = tok([[0, 1]]);
    for (const call of [
      () => model.forward(x),
      () => model.trainStep(x, x, { lr: 1 }),
      () => model.readLoss(),
      () => model.stateDict(),
      () => model.setState(null),
    ]) {
      expect(await code(call)).toBe('E_DEVICE_LOST');
    }
    model.dispose();
    expect(await code(() => model.forward(x))).toBe('E_DISPOSED');
  });
});
