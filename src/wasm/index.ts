/** The CPU backend: the RecurrentModel contract on AssemblyScript SIMD kernels (assembly/nn/). */
import type { ModelConfig, RecurrentModel } from '../model/types.js';
import type { KernelBuild } from './kernels.js';
import { WasmModel } from './model.js';

export { WasmModel } from './model.js';
export { preferredBuild, type KernelBuild } from './kernels.js';

/**
 * Creates a model on the WASM backend. `build` forces a kernel build (tests, benchmarks); by default the
 * relaxed-SIMD build where the engine validates it, plain SIMD otherwise.
 */
export async function createWasmModel(config: ModelConfig, options: { build?: KernelBuild } = {}): Promise<RecurrentModel> {
  return WasmModel.create(config, options.build);
}
