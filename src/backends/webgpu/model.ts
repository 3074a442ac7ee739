/**
 * The WebGPU RecurrentModel: the contract's rules (src/model/model.ts) over the WebGPU engine, plus two
 * measurements for the benchmarks.
 */
import { RecurrentModelCore } from '../../model/model.js';
import type { ModelConfig, RecurrentModel, TokenTensor } from '../../model/types.js';
import { validateConfig } from '../../model/validate.js';
import { WebGpuEngine } from './engine.js';
import type { PlanKind } from './workspace.js';

export class WebGpuModel extends RecurrentModelCore<WebGpuEngine> {
  /** On `device` when given (the caller keeps owning it), else on a device of its own that dispose() destroys. */
  static async create(config: ModelConfig, options: { device?: GPUDevice } = {}): Promise<WebGpuModel> {
    return new WebGpuModel(await WebGpuEngine.create(validateConfig(config), options));
  }

  /** Dispatches per plan, for the benchmark. */
  dispatchesPerStep(batch: number, steps: number, kind: PlanKind = 'sgd'): number {
    this.live();
    return this.engine.dispatchesPerStep(batch, steps, kind);
  }

  /**
   * Benchmarks only (needs a device with 'timestamp-query'): one SGD training step, as trainStep, with
   * every dispatch timed, as total GPU milliseconds per kernel name.
   */
  async profileTrainStep(x: TokenTensor, y: TokenTensor, lr: number, clip: number): Promise<Record<string, number>> {
    this.engine.timeNextStep = true;
    try {
      this.trainStep(x, y, { lr, clip });
    } finally {
      this.engine.timeNextStep = false;
    }
    return this.engine.timings!;
  }
}

export async function createWebGpuModel(
  config: ModelConfig,
  options?: { device?: GPUDevice },
): Promise<RecurrentModel> {
  return WebGpuModel.create(config, options);
}
