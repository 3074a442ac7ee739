/** The CPU backend: the RecurrentModel contract (src/model/model.ts) on AssemblyScript SIMD kernels (assembly/nn/). */
import { ForwardModelCore } from '../../model/forward.js';
import { RecurrentModelCore } from '../../model/model.js';
import type { ForwardModel, ModelConfig, RecurrentModel, StateDict } from '../../model/types.js';
import { validateConfig, validateStateDict } from '../../model/validate.js';
import type { WasmModule } from '../../wasm/module.js';
import { WasmEngine } from './engine.js';
import { WasmForwardEngine } from './forward-engine.js';
import type { KernelBuild } from './kernels.js';

export type { KernelBuild } from './kernels.js';

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

/**
 * A forward-only model with the parameters `params` (no gradients, no optimizer state: a smaller arena) on
 * kernel module `wasm`: the generation-only entry point's (build/nn-forward.wasm) and the WASM copy a
 * WebGPU LanguageModel generates with (build/nn.wasm). The same kernels as createWasmModel's give the same bits.
 */
export async function createWasmForwardModel(
  config: ModelConfig,
  params: StateDict,
  wasm: WasmModule,
): Promise<ForwardModel> {
  const resolved = validateConfig(config);
  validateStateDict(params, resolved);
  return new ForwardModelCore(await WasmForwardEngine.createForward(resolved, wasm), params);
}
