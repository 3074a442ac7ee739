/**
 * Forward-only models on the CPU backend: ForwardModelCore over WasmForwardEngine, with no gradients or
 * optimizer state (a smaller arena). The generation-only entry point uses it with build/nn-forward.wasm,
 * a WebGPU LanguageModel's WASM copy with build/nn.wasm; the same kernels as createWasmModel's give the
 * same bits.
 */
import { ForwardModelCore } from '../../model/forward.js';
import type { ForwardModel, ModelConfig, StateDict } from '../../model/types.js';
import { validateConfig, validateStateDict } from '../../model/validate.js';
import type { WasmModule } from '../../wasm/module.js';
import { WasmForwardEngine } from './forward-engine.js';

/** A forward-only model with the parameters `params` on kernel module `wasm`. */
export async function createWasmForwardModel(
  config: ModelConfig,
  params: StateDict,
  wasm: WasmModule,
): Promise<ForwardModel> {
  const resolved = validateConfig(config);
  validateStateDict(params, resolved);
  return new ForwardModelCore(await WasmForwardEngine.createForward(resolved, wasm), params);
}
