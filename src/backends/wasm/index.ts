/** The CPU backend: the RecurrentModel contract (src/model/model.ts) on AssemblyScript SIMD kernels (assembly/nn/). */
import { RecurrentModelCore } from '../../model/model.js';
import type { ModelConfig, RecurrentModel } from '../../model/types.js';
import { validateConfig } from '../../model/validate.js';
import { WasmEngine } from './engine.js';
import type { KernelBuild } from './kernels.js';

export type { KernelBuild } from './kernels.js';
export { createWasmForwardModel } from './forward-model.js';

/**
 * Creates a model on the WASM backend. `build` picks the kernel build: 'nn' (default, plain SIMD, the same
 * bits on every engine) or 'nn-relaxed' (relaxed-SIMD FMA, where the engine validates it).
 */
export async function createWasmModel(
  config: ModelConfig,
  options: { build?: KernelBuild } = {},
): Promise<RecurrentModel> {
  return new RecurrentModelCore(await WasmEngine.create(validateConfig(config), options.build));
}
