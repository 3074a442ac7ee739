/** Bad input gives typed DeepRnnErrors (the shared validate.ts codes), never a crash, hang or NaN. */
import { expect, it } from 'vitest';
import { DeepRnnError } from '../../src/errors.js';
import type { RecurrentModel, StateDict } from '../../src/model/types.js';
import { createWebGpuModel, requestDevice } from '../../src/webgpu/index.js';
import { describeGpu, testDevice } from './gpu.js';

const device = await testDevice();

async function code(f: () => unknown): Promise<string> {
  try {
    await f();
  } catch (e) {
    expect(e).toBeInstanceOf(DeepRnnError);
    return (e as DeepRnnError).code;
  }
  return 'no error';
}

const tok = (rows: number[][]) => ({ shape: [rows.length, rows[0].length] as [number, number], data: Int32Array.from(rows.flat()) });

describeGpu(device)('errors (WebGPU)', () => {
  it('rejects bad configs', async () => {
    const base = { cell: 'gru' as const, layers: 1, hidden: 3, vocabSize: 4 };
    for (const bad of [{ hidden: 0 }, { hidden: -2 }, { layers: 0 }, { vocabSize: 0 }, { hidden: 1.5 }, { dropout: 1 }, { cell: 'cnn' }]) {
      expect(await code(() => createWebGpuModel({ ...base, ...bad } as never, { device: device! }))).toBe('E_BAD_OPTION');
    }
  });

  it('rejects tensors beyond the device storage limit with E_TOO_LARGE', async () => {
    const limit = device!.limits.maxStorageBufferBindingSize;
    const hidden = 1024;
    const vocabSize = Math.ceil(limit / (4 * 4 * hidden)) + 1;
    expect(await code(() => createWebGpuModel({ cell: 'lstm', layers: 1, hidden, vocabSize }, { device: device! }))).toBe('E_TOO_LARGE');
  });

  it('a batch too large for the device is E_TOO_LARGE and leaves the model usable', async () => {
    const model = await createWebGpuModel({ cell: 'gru', layers: 1, hidden: 64, vocabSize: 4 }, { device: device! });
    const x = tok([[0, 1, 2]]);
    const before = await model.forward(x, null);
    const limit = device!.limits.maxStorageBufferBindingSize;
    const steps = Math.ceil(limit / (4 * 3 * 64)) + 1; // xp is (T, B, 3H) floats
    expect(await code(() => model.forward({ shape: [1, steps], data: new Int32Array(steps) }))).toBe('E_TOO_LARGE');
    expect((await model.forward(x, null)).logits).toEqual(before.logits);
    model.dispose();
  });

  it('rejects bad tokens, shapes, options, state dicts and states; E_DISPOSED after dispose', async () => {
    const model: RecurrentModel = await createWebGpuModel({ cell: 'lstm', layers: 2, hidden: 3, vocabSize: 4 }, { device: device! });
    const x = tok([[0, 1, 2], [3, 2, 1]]);
    expect(await code(() => model.forward(tok([[0, 4, 1]])))).toBe('E_TOKEN_RANGE');
    expect(await code(() => model.forward(tok([[0, -1, 1]])))).toBe('E_TOKEN_RANGE');
    expect(await code(() => model.lossAndGrads(x, tok([[0, 1, 2]])))).toBe('E_BAD_SHAPE');
    expect(await code(() => model.forward({ shape: [2, 2], data: new Int32Array(3) }))).toBe('E_BAD_SHAPE');
    expect(await code(() => model.trainStep(x, x, { lr: NaN }))).toBe('E_BAD_OPTION');
    expect(await code(() => model.trainStep(x, x, { lr: -1 }))).toBe('E_BAD_OPTION');
    expect(await code(() => model.trainStep(x, x, { lr: 1, clip: 0 }))).toBe('E_BAD_OPTION');
    expect(await code(() => model.trainStep(x, x, { lr: 1, optimizer: 'rmsprop' as never }))).toBe('E_BAD_OPTION');
    const dict = await model.stateDict();
    const { ['linear.bias']: _, ...missing } = dict;
    expect(await code(() => model.loadStateDict(missing as StateDict))).toBe('E_STATE_DICT');
    expect(await code(() => model.loadStateDict({ ...dict, extra: dict['linear.bias'] }))).toBe('E_STATE_DICT');
    expect(await code(() => model.loadStateDict({ ...dict, 'linear.bias': { shape: [5], data: new Float32Array(5) } }))).toBe('E_STATE_DICT');
    expect(await code(() => model.forward(x, { h: new Float32Array(2 * 2 * 3) }))).toBe('E_BAD_SHAPE'); // LSTM needs c
    expect(await code(() => model.setState({ h: new Float32Array(5) }))).toBe('E_BAD_SHAPE');
    // Nothing above changed the model.
    const after = await model.stateDict();
    for (const k of Object.keys(dict)) expect(after[k].data).toEqual(dict[k].data);
    model.dispose();
    expect(await code(() => model.forward(x))).toBe('E_DISPOSED');
    expect(await code(() => model.trainStep(x, x, { lr: 1 }))).toBe('E_DISPOSED');
  });

  it('reports a lost device with E_DEVICE_LOST instead of hanging', async () => {
    const { device: own } = await requestDevice();
    const model = await createWebGpuModel({ cell: 'rnn', layers: 1, hidden: 3, vocabSize: 4 }, { device: own });
    own.destroy();
    await own.lost;
    expect(await code(() => model.forward(tok([[0, 1]])))).toBe('E_DEVICE_LOST');
  });
});
