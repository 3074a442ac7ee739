import { DeepRnnError } from '../errors.js';
import type { KernelBuild } from './wasm/kernels.js';
import type { ThreadsOption } from './wasm/threads.js';
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
  /**
   * Threads of the WASM backend (the calling thread included): 1 (default), N, or 'auto' (every core in
   * Node; in a browser every core on a cross-origin isolated page, else 1 with a console notice). Results
   * are bit-identical for every count. WebGPU ignores it.
   */
  threads?: ThreadsOption;
}

/** Creates a recurrent model on the chosen backend; `model.backend` tells which one was picked. */
export async function createModel(options: CreateModelOptions): Promise<RecurrentModel> {
  const backend = options.backend ?? 'auto';
  if (backend !== 'auto' && backend !== 'wasm' && backend !== 'webgpu') {
    throw new DeepRnnError('E_BAD_OPTION', `backend must be 'wasm', 'webgpu' or 'auto', got ${String(backend)}`);
  }
  const { backend: _ignored, wasmBuild, threads, ...config } = options;
  if (wasmBuild !== undefined && wasmBuild !== 'nn' && wasmBuild !== 'nn-relaxed') {
    throw new DeepRnnError('E_BAD_OPTION', `wasmBuild must be 'nn' or 'nn-relaxed', got ${String(wasmBuild)}`);
  }
  validateConfig(config);
  if (backend === 'webgpu' && threads !== undefined && threads !== 1 && threads !== 'auto') {
    throw new DeepRnnError('E_BAD_OPTION', `threads applies to the wasm backend, not to backend 'webgpu'`);
  }
  if (backend === 'webgpu' || (backend === 'auto' && (await hardwareWebGpu()))) {
    const { createWebGpuModel } = await import('./webgpu/index.js');
    return createWebGpuModel(config);
  }
  const { createWasmModel } = await import('./wasm/index.js');
  return createWasmModel(config, { build: wasmBuild, threads });
}

async function hardwareWebGpu(): Promise<boolean> {
  try {
    const { hardwareAdapter } = await import('./webgpu/probe.js');
    return await hardwareAdapter();
  } catch {
    return false;
  }
}
