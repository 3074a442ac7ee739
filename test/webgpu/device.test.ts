/** Device acquisition: the probe used for backend 'auto', and typed errors when there is no adapter. */
import { afterEach, expect, it } from 'vitest';
import { createWebGpuModel, probeWebGpu } from '../../src/backends/webgpu/index.js';
import { describeGpu, testDevice } from './gpu.js';

const device = await testDevice();

describeGpu(device)('device (WebGPU)', () => {
  // Node >= 21 has its own navigator (without gpu): put it back after each test.
  const original = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  afterEach(() => {
    if (original) Object.defineProperty(globalThis, 'navigator', original);
    else delete (globalThis as { navigator?: unknown }).navigator;
  });

  it('probes the adapter and says whether it is a software fallback', async () => {
    const probe = await probeWebGpu();
    expect(probe.available).toBe(true);
    expect(typeof probe.fallback).toBe('boolean');
    expect(probe.description.length).toBeGreaterThan(0);
    // lavapipe, SwiftShader and WARP are software adapters: 'auto' must not prefer them over WASM.
    if (/llvmpipe|lavapipe|swiftshader/i.test(probe.description)) expect(probe.fallback).toBe(true);
  });

  it('browsers: navigator.gpu without an adapter gives E_NO_ADAPTER, and the probe reports unavailable', async () => {
    Object.defineProperty(globalThis, 'navigator', {
      value: { gpu: { requestAdapter: async () => null } },
      configurable: true,
    });
    await expect(createWebGpuModel({ cell: 'gru', layers: 1, hidden: 2, vocabSize: 3 })).rejects.toMatchObject({
      code: 'E_NO_ADAPTER',
    });
    expect((await probeWebGpu()).available).toBe(false);
  });
});
