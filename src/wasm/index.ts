/** The CPU backend: the RecurrentModel contract on AssemblyScript SIMD kernels (assembly/nn/). */
import type { ModelConfig, RecurrentModel } from '../model/types.js';
import type { KernelBuild } from './kernels.js';
import { WasmModel } from './model.js';

export { WasmModel } from './model.js';
export type { KernelBuild } from './kernels.js';

/**
 * Creates a model on the WASM backend. `build` picks the kernel build: 'nn' (default, plain SIMD, the same
 * bits on every engine) or 'nn-relaxed' (relaxed-SIMD FMA, where the engine validates it).
 */
export async function createWasmModel(config: ModelConfig, options: { build?: KernelBuild } = {}): Promise<RecurrentModel> {
  return WasmModel.create(config, options.build);
}
