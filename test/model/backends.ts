/**
 * The contract suites run once per engine: `describe.each(backendsFor(device))`, models from
 * `modelsFor(backend, device)` (disposed after every test). Without a WebGPU adapter only 'wasm' runs
 * locally; under CI=true testDevice() fails instead (test/webgpu/gpu.ts).
 */
import { afterEach, expect } from 'vitest';
import { DeepRnnError } from '../../src/errors.js';
import { mix32 } from '../../src/model/params.js';
import type { BackendName, ModelConfig, RecurrentModel, TokenTensor } from '../../src/model/types.js';
import { createWasmModel } from '../../src/backends/wasm/index.js';
import { createWebGpuModel } from '../../src/backends/webgpu/index.js';

export function backendsFor(device: GPUDevice | null): BackendName[] {
  return device ? ['wasm', 'webgpu'] : ['wasm'];
}

/** Call inside a describe: a model factory for `backend`; every model it made is disposed after each test. */
export function modelsFor(
  backend: BackendName,
  device: GPUDevice | null,
): (config: ModelConfig) => Promise<RecurrentModel> {
  const made: RecurrentModel[] = [];
  afterEach(() => {
    for (const m of made.splice(0)) m.dispose();
  });
  return async (config) => {
    // One device serves the file (the WebGPU engine does not destroy a device it was given).
    const m = backend === 'wasm' ? await createWasmModel(config) : await createWebGpuModel(config, { device: device! });
    made.push(m);
    return m;
  };
}

export function tokens(seed: number, B: number, T: number, V: number): TokenTensor {
  return { shape: [B, T], data: Int32Array.from({ length: B * T }, (_, i) => mix32(seed * 7919 + i) % V) };
}

/** The DeepRnnError code `f` throws or rejects with ('no error' if none). */
export async function codeOf(f: () => unknown): Promise<string> {
  try {
    await f();
  } catch (e) {
    expect(e).toBeInstanceOf(DeepRnnError);
    return (e as DeepRnnError).code;
  }
  return 'no error';
}
