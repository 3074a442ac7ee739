import { expect, test } from 'vitest';
import { createModel } from '../../src/backends/create.js';
import { probeWebGpu } from '../../src/backends/webgpu/index.js';

const config = { cell: 'gru', layers: 1, hidden: 8, vocabSize: 5 } as const;

test("backend 'auto' picks WebGPU only on a hardware adapter", async () => {
  const probe = await probeWebGpu();
  if (process.env.CI) expect(probe.available, 'CI needs a WebGPU adapter (lavapipe)').toBe(true);
  const model = await createModel({ ...config, backend: 'auto' });
  expect(model.backend).toBe(probe.available && !probe.fallback ? 'webgpu' : 'wasm');
  model.dispose();
});

test('an explicit backend is honoured, and both start from the same weights', async () => {
  const probe = await probeWebGpu();
  if (!probe.available && !process.env.CI) return;
  const wasm = await createModel({ ...config, backend: 'wasm' });
  const gpu = await createModel({ ...config, backend: 'webgpu' });
  expect([wasm.backend, gpu.backend]).toEqual(['wasm', 'webgpu']);
  const a = await wasm.stateDict();
  const b = await gpu.stateDict();
  for (const name of Object.keys(a)) expect(b[name].data, name).toEqual(a[name].data);
  wasm.dispose();
  gpu.dispose();
});

test('a bad backend or config is E_BAD_OPTION', async () => {
  await expect(createModel({ ...config, backend: 'cuda' as never })).rejects.toMatchObject({ code: 'E_BAD_OPTION' });
  await expect(createModel({ ...config, hidden: 0 })).rejects.toMatchObject({ code: 'E_BAD_OPTION' });
  await expect(createModel({ ...config, cell: 'transformer' as never, backend: 'webgpu' })).rejects.toMatchObject({
    code: 'E_BAD_OPTION',
  });
});
