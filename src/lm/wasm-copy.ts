/**
 * Batch-1 work (feed, stream, evaluate) on a model whose weights live on the GPU, without a readback per
 * token: at batch 1 every step reads every weight once, which the SIMD CPU kernels do faster than a
 * submit and a mapAsync per token (332 chars/s on lavapipe against thousands on WASM). So it runs on a
 * forward-only WASM copy of the parameters, made on first use and synced again (one stateDict read)
 * whenever the model's parameterVersion moved (a training step, a load) - lazily, at the next batch-1
 * call, never per step. The copy uses the default kernel build, so it gives the WASM backend's bits. A
 * model loaded from an int8 checkpoint runs its batch-1 work on such a copy on either backend, one that
 * computes from the int8 weights (backends/wasm/int8-engine.ts).
 */
import { createWasmForwardModel } from '../backends/wasm/forward-model.js';
import { DeepRnnError } from '../errors.js';
import type { ForwardModel, StateDict } from '../model/types.js';
import { nnWasm } from '../wasm/modules.js';

export class WasmCopy {
  private copy: ForwardModel | undefined;
  private version = -1;
  private syncing: Promise<ForwardModel> | undefined;
  private disposed = false;

  /**
   * `create` builds the copy (default: f32 forward kernels; an int8 model's copy computes from int8);
   * `initial`, a copy already made of the source's current parameters.
   */
  constructor(
    private readonly source: ForwardModel,
    private readonly create: (config: ForwardModel['config'], params: StateDict) => Promise<ForwardModel> = (c, p) =>
      createWasmForwardModel(c, p, nnWasm),
    initial?: ForwardModel,
  ) {
    if (initial !== undefined) {
      this.copy = initial;
      this.version = source.parameterVersion;
    }
  }

  /** The copy, with the source's current parameters. */
  model(): Promise<ForwardModel> {
    if (this.copy !== undefined && this.version === this.source.parameterVersion) return Promise.resolve(this.copy);
    this.syncing ??= this.sync().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  dispose(): void {
    this.disposed = true;
    this.copy?.dispose();
    this.copy = undefined;
  }

  private async sync(): Promise<ForwardModel> {
    // The version is taken before the read: a step submitted meanwhile leaves the copy stale, so the
    // next call syncs again.
    const version = this.source.parameterVersion;
    const params = await this.source.stateDict();
    if (this.copy === undefined) {
      const copy = await this.create(this.source.config, params);
      if (this.disposed) {
        copy.dispose();
        throw new DeepRnnError('E_DISPOSED', 'this model was disposed');
      }
      this.copy = copy;
    } else {
      this.copy.loadStateDict(params);
    }
    this.version = version;
    return this.copy;
  }
}
