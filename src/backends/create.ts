import { DeepRnnError } from '../errors.js';
import type { KernelBuild } from './wasm/kernels.js';
import type { BackendChoice, ModelConfig, RecurrentModel } from '../model/types.js';
import { validateConfig } from '../model/validate.js';

export interface CreateModelOptions extends ModelConfig {
  /** 'auto' (default): WebGPU on a hardware adapter, WASM when there is none or it is a software fallback. */
  backend?: BackendChoice;
  /**
   * WASM kernel build: 'nn' (default, plain SIMD) gives bit-identical numbers in every engine;
   * 'nn-relaxed' uses relaxed-SIMD FMA where the engine validates it (Chromium yes, Node 20 no).
   */
  wasmBuild?: KernelBuild;
}

/** Creates a recurrent model on the chosen backend; `model.backend` tells which one was picked. */
export async function createModel(options: CreateModelOptions): Promise<RecurrentModel> {
  const backend = options.backend ?? 'auto';
  if (backend !== 'auto' && backend !== 'wasm' && backend !== 'webgpu') {
    throw new DeepRnnError('E_BAD_OPTION', `backend must be 'wasm', 'webgpu' or 'auto', got ${String(backend)}`);
  }
  const { backend: _ignored, wasmBuild, ...config } = options;
  if (wasmBuild !== undefined && wasmBuild !== 'nn' && wasmBuild !== 'nn-relaxed') {
    throw new DeepRnnError('E_BAD_OPTION', `wasmBuild must be 'nn' or 'nn-relaxed', got ${String(wasmBuild)}`);
  }
  validateConfig(config);
  if (backend === 'webgpu' || (backend === 'auto' && (await hardwareWebGpu()))) {
    const { createWebGpuModel } = await import('./webgpu/index.js');
    return createWebGpuModel(config);
  }
  const { createWasmModel } = await import('./wasm/index.js');
  return createWasmModel(config, { build: wasmBuild });
}

async function hardwareWebGpu(): Promise<boolean> {
  try {
    const { hardwareAdapter } = await import('./webgpu/probe.js');
    return await hardwareAdapter();
  } catch {
    return false;
  }
}
