/** The CPU backend: the RecurrentModel contract (src/model/model.ts) on AssemblyScript SIMD kernels (assembly/nn/). */
import { RecurrentModelCore } from '../../model/model.js';
import type { ModelConfig, RecurrentModel } from '../../model/types.js';
import { validateConfig } from '../../model/validate.js';
import { WasmEngine } from './engine.js';
import type { KernelBuild } from './kernels.js';
import { resolveThreads, type ThreadsOption } from './threads.js';

export type { KernelBuild } from './kernels.js';
export { createWasmForwardModel } from './forward-model.js';
export type { ThreadsOption, ThreadSupport } from './threads.js';
export { availableThreads } from './threads.js';

export interface WasmModelOptions {
  /** 'nn' (default, plain SIMD, the same bits on every engine) or 'nn-relaxed' (relaxed-SIMD FMA). */
  build?: KernelBuild;
  /**
   * Threads computing each step, this one included: 1 (default), N, or 'auto' (every core where threads
   * are possible; see availableThreads). The numbers are bit-identical for every count.
   */
  threads?: ThreadsOption;
}

/** Creates a model on the WASM backend; `dispose()` it to end its worker threads. */
export async function createWasmModel(config: ModelConfig, options: WasmModelOptions = {}): Promise<RecurrentModel> {
  const resolved = validateConfig(config);
  const threads = await resolveThreads(options.threads);
  return new RecurrentModelCore(await WasmEngine.create(resolved, { build: options.build, threads }));
}
