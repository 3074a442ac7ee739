/**
 * The contract suites run once per engine: `describe.each(backendsFor(device))`, models from
 * `modelsFor(backend, device)` (disposed after every test). 'wasm-threads' is the WASM engine on 2
 * threads splitting every call. Without a WebGPU adapter only the WASM engines run locally; under
 * CI=true testDevice() fails instead (test/webgpu/gpu.ts).
 */
import { afterEach, expect } from 'vitest';
import { DeepRnnError } from '../../src/errors.js';
import { mix32 } from '../../src/model/params.js';
import type { ModelConfig, RecurrentModel, TokenTensor } from '../../src/model/types.js';
import { createWasmModel } from '../../src/backends/wasm/index.js';
import { WasmEngine } from '../../src/backends/wasm/engine.js';
import type { KernelBuild } from '../../src/backends/wasm/kernels.js';
import { createWebGpuModel } from '../../src/backends/webgpu/index.js';
import { RecurrentModelCore } from '../../src/model/model.js';
import { validateConfig } from '../../src/model/validate.js';

export type EngineUnderTest = 'wasm' | 'wasm-threads' | 'webgpu';

export function backendsFor(device: GPUDevice | null): EngineUnderTest[] {
  return device ? ['wasm', 'wasm-threads', 'webgpu'] : ['wasm', 'wasm-threads'];
}

/**
 * A WASM model on `threads` threads that splits every call however small (minWork 0) and leaves every
 * part to its worker (steal false), so that the tiny models of the tests run on the workers.
 */
export async function splitWasmModel(config: ModelConfig, threads = 2, build?: KernelBuild): Promise<RecurrentModel> {
  const options = { build, threads, minWork: 0, steal: false };
  return new RecurrentModelCore(await WasmEngine.create(validateConfig(config), options));
}

/** Call inside a describe: a model factory for `backend`; every model it made is disposed after each test. */
export function modelsFor(
  backend: EngineUnderTest,
  device: GPUDevice | null,
): (config: ModelConfig) => Promise<RecurrentModel> {
  const made: RecurrentModel[] = [];
  afterEach(() => {
    for (const m of made.splice(0)) m.dispose();
  });
  return async (config) => {
    // One device serves the file (the WebGPU engine does not destroy a device it was given).
    const m =
      backend === 'wasm'
        ? await createWasmModel(config)
        : backend === 'wasm-threads'
          ? await splitWasmModel(config)
          : await createWebGpuModel(config, { device: device! });
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
