/**
 * The WebGPU RecurrentModel: parameters, gradients and optimizer state live on the device; every
 * (batch, steps) shape gets its buffers and recorded plans once; a training step is one command encoder
 * and one submit with no readback.
 */
import { DeepRnnError, check } from '../errors.js';
import { initParameters, parameterShapes } from '../model/params.js';
import type {
  ForwardResult, LossAndGradsResult, ModelConfig, OptimizerState, RecurrentModel, RecurrentState, ResolvedConfig, StateDict,
  TokenTensor, TrainStepOptions,
} from '../model/types.js';
import { validateConfig, validatePair, validateState, validateStateDict, validateTokens, validateTrainOptions } from '../model/validate.js';
import { STORAGE_BUFFERS_NEEDED, requestDevice } from './device.js';
import { normGroups } from './head.js';
import { PipelineCache, type KernelName } from './kernels.js';
import { paramLayout, type ParamLayout } from './layout.js';
import { BufferPool, Usage, upload } from './plan.js';
import { Readback } from './readback.js';
import { loadKernels, stackKernelNames, type StackKernels } from './stack.js';
import { Workspace, type PlanKind } from './workspace.js';

const caches = new WeakMap<GPUDevice, PipelineCache>();

export function pipelineCache(device: GPUDevice): PipelineCache {
  let c = caches.get(device);
  if (!c) caches.set(device, (c = new PipelineCache(device)));
  return c;
}

/** Per-call values of the `Step` uniform shared by dropout, loss_sum, clip_scale, sgd_step, adam_step. */
interface StepValues {
  lr: number; clip: number; beta1: number; beta2: number; eps: number; stepSize: number; bc2Sqrt: number; counter: number; accumulate: boolean;
}

export class WebGpuModel implements RecurrentModel {
  readonly backend = 'webgpu' as const;
  readonly layout: ParamLayout;
  readonly pool: BufferPool;
  readonly params: GPUBuffer;
  readonly grads: GPUBuffer;
  readonly scalars: GPUBuffer;
  readonly partials: GPUBuffer;
  readonly stepUniform: GPUBuffer;
  stateH: GPUBuffer | null = null;
  stateC: GPUBuffer | null = null;
  private stateBatch = 0;
  private hasState = false;
  private adam: { m: GPUBuffer; v: GPUBuffer } | null = null;
  /** Whether the Adam moments hold state (as the WASM backend: absent until Adam runs or is loaded). */
  private adamUsed = false;
  private readonly onError = (e: Event): void => { this.gpuError ??= (e as GPUUncapturedErrorEvent).error.message; };
  private workspace: Workspace | null = null;
  private readonly readback: Readback;
  private step = 0;
  private lossTokens = 0;
  private disposed = false;
  private lost: string | null = null;
  private gpuError: string | null = null;

  private constructor(readonly device: GPUDevice, readonly config: ResolvedConfig, readonly kernels: StackKernels, private readonly ownsDevice: boolean) {
    this.layout = paramLayout(parameterShapes(config));
    this.pool = new BufferPool(device);
    const P = this.layout.total;
    this.params = this.pool.storage('params', P);
    this.grads = this.pool.storage('grads', P);
    this.scalars = this.pool.storage('scalars', 8);
    this.partials = this.pool.storage('partials', normGroups(P));
    this.stepUniform = this.pool.create({ label: 'step', size: 64, usage: Usage.UNIFORM | Usage.COPY_DST });
    this.readback = new Readback(this.pool, () => this.lost);
    device.lost.then((info) => { if (!this.disposed) this.lost = `${info.reason}: ${info.message}`; });
    device.addEventListener('uncapturederror', this.onError);
    this.loadStateDict(initParameters(config));
  }

  static async create(config: ModelConfig, options: { device?: GPUDevice } = {}): Promise<WebGpuModel> {
    const resolved = validateConfig(config);
    const given = options.device?.limits.maxStorageBuffersPerShaderStage;
    check(given === undefined || given >= STORAGE_BUFFERS_NEEDED,
      `the given GPUDevice allows ${given} storage buffers per shader stage; deeprnn needs ${STORAGE_BUFFERS_NEEDED} (request it in requiredLimits)`);
    const device = options.device ?? (await requestDevice()).device;
    try {
      const names: KernelName[] = [...stackKernelNames(resolved.cell), 'softmax_xent', 'loss_sum', 'grad_norm', 'clip_scale', 'sgd_step', 'adam_step'];
      const kernels = await loadKernels(pipelineCache(device), names);
      return new WebGpuModel(device, resolved, kernels, !options.device);
    } catch (e) {
      if (!options.device) device.destroy();
      throw e;
    }
  }

  parameterShapes(): Array<[string, number[]]> {
    return this.layout.entries.map((e) => [e.name, [...e.shape]]);
  }

  loadStateDict(dict: StateDict): void {
    this.usable();
    validateStateDict(dict, this.config);
    for (const e of this.layout.entries) upload(this.device, this.params, e.offset * 4, dict[e.name].data);
  }

  async stateDict(): Promise<StateDict> {
    this.usable();
    const [flat] = await this.read([{ buffer: this.params, offset: 0, size: this.layout.total * 4 }]);
    return this.split(flat);
  }

  private split(flat: Float32Array): StateDict {
    const dict: StateDict = {};
    for (const e of this.layout.entries) dict[e.name] = { shape: [...e.shape], data: flat.slice(e.offset, e.offset + e.size) };
    return dict;
  }

  async getState(): Promise<RecurrentState | null> {
    this.usable();
    if (!this.hasState) return null;
    const n = this.stateBytes();
    const ranges = [{ buffer: this.stateH!, offset: 0, size: n }];
    if (this.stateC) ranges.push({ buffer: this.stateC, offset: 0, size: n });
    const [h, c] = await this.read(ranges);
    return c ? { h, c } : { h };
  }

  setState(state: RecurrentState | null, batchSize?: number): void {
    this.usable();
    if (state === null) {
      this.hasState = false;
      return;
    }
    const { layers: L, hidden: H } = this.config;
    check(typeof state === 'object' && state.h instanceof Float32Array, 'state.h must be a Float32Array', 'E_BAD_SHAPE');
    const batch = batchSize ?? state.h.length / (L * H);
    check(Number.isInteger(batch) && batch > 0, `state.h has ${state.h.length} elements, not a multiple of layers*hidden = ${L * H}`, 'E_BAD_SHAPE');
    validateState(state, this.config, batch);
    this.ensureState(batch);
    upload(this.device, this.stateH!, 0, state.h);
    if (state.c) upload(this.device, this.stateC!, 0, state.c);
    this.hasState = true;
  }

  async forward(x: TokenTensor, state?: RecurrentState | null): Promise<ForwardResult> {
    this.usable();
    const [B, T] = validateTokens(x, this.config.vocabSize, 'X');
    const ws = this.prepare(B, T, x, state);
    const encoder = this.device.createCommandEncoder({ label: 'forward' });
    ws.plan('forward').encode(encoder);
    const done = this.readback.stage(encoder, [{ buffer: ws.head.logits, offset: 0, size: B * T * this.config.vocabSize * 4 }, ...this.stateRanges()]);
    this.device.queue.submit([encoder.finish()]);
    const [logits, h, c] = await this.finish(done);
    return { logits, state: c ? { h, c } : { h } };
  }

  async lossAndGrads(x: TokenTensor, y: TokenTensor, state?: RecurrentState | null): Promise<LossAndGradsResult> {
    this.usable();
    const [B, T] = validatePair(x, y, this.config.vocabSize);
    const ws = this.prepare(B, T, x, state, y);
    this.writeStep({ lr: 0, clip: -1, beta1: 0, beta2: 0, eps: 0, stepSize: 0, bc2Sqrt: 1, counter: this.step, accumulate: false });
    const encoder = this.device.createCommandEncoder({ label: 'lossAndGrads' });
    ws.plan('grads').encode(encoder);
    const done = this.readback.stage(encoder, [
      { buffer: this.scalars, offset: 0, size: 16 },
      { buffer: this.grads, offset: 0, size: this.layout.total * 4 },
      { buffer: ws.head.logits, offset: 0, size: B * T * this.config.vocabSize * 4 },
      ...this.stateRanges(),
    ]);
    this.device.queue.submit([encoder.finish()]);
    const [scalars, grads, logits, h, c] = await this.finish(done);
    return { loss: scalars[0], gradNorm: scalars[2], grads: this.split(grads), logits, state: c ? { h, c } : { h } };
  }

  trainStep(x: TokenTensor, y: TokenTensor, options: TrainStepOptions): void {
    this.usable();
    const o = validateTrainOptions(options);
    const [B, T] = validatePair(x, y, this.config.vocabSize);
    const ws = this.prepare(B, T, x, o.resetState ? null : undefined, y);
    const t = this.step + 1;
    this.writeStep({
      lr: o.lr, clip: Number.isFinite(o.clip) ? o.clip : -1, beta1: o.beta1, beta2: o.beta2, eps: o.eps,
      stepSize: o.lr / (1 - o.beta1 ** t), bc2Sqrt: Math.sqrt(1 - o.beta2 ** t), counter: this.step, accumulate: true,
    });
    const encoder = this.device.createCommandEncoder({ label: 'trainStep' });
    if (o.optimizer === 'adam' && this.adam && !this.adamUsed) {
      // Moments left from before a loadOptimizerState without Adam: start from zeros, as torch.optim.Adam.
      encoder.clearBuffer(this.adam.m);
      encoder.clearBuffer(this.adam.v);
    }
    ws.plan(o.optimizer).encode(encoder);
    if (o.optimizer === 'adam') this.adamUsed = true;
    this.device.queue.submit([encoder.finish()]);
    this.step = t;
    this.lossTokens += B * T;
  }

  async readLoss(): Promise<{ loss: number; tokens: number }> {
    this.usable();
    const tokens = this.lossTokens;
    const encoder = this.device.createCommandEncoder({ label: 'readLoss' });
    const done = this.readback.stage(encoder, [{ buffer: this.scalars, offset: 0, size: 32 }]);
    this.device.queue.submit([encoder.finish()]);
    upload(this.device, this.scalars, 4, new Float32Array(1));
    upload(this.device, this.scalars, 20, new Float32Array(1));
    this.lossTokens = 0;
    const [scalars] = await this.finish(done);
    if (scalars[5] > 0) {
      throw new DeepRnnError('E_NOT_FINITE', `${scalars[5]} training step(s) since the last readLoss produced a non-finite loss or gradient norm; their updates were skipped (lower the learning rate or clip gradients)`);
    }
    // As the WASM backend: no steps, no mean.
    return { loss: tokens > 0 ? scalars[1] / tokens : NaN, tokens };
  }

  async optimizerState(): Promise<OptimizerState> {
    this.usable();
    if (!this.adam || !this.adamUsed) return { step: this.step };
    const size = this.layout.total * 4;
    const [m, v] = await this.read([{ buffer: this.adam.m, offset: 0, size }, { buffer: this.adam.v, offset: 0, size }]);
    return { step: this.step, adam: { m: this.split(m), v: this.split(v) } };
  }

  loadOptimizerState(state: OptimizerState): void {
    this.usable();
    check(typeof state === 'object' && state !== null, 'optimizer state must be an object');
    check(Number.isInteger(state.step) && state.step >= 0, `optimizer step must be a non-negative integer, got ${String(state.step)}`);
    if (state.adam) {
      validateStateDict(state.adam.m, this.config);
      validateStateDict(state.adam.v, this.config);
      const adam = this.adamBuffers();
      for (const e of this.layout.entries) {
        upload(this.device, adam.m, e.offset * 4, state.adam.m[e.name].data);
        upload(this.device, adam.v, e.offset * 4, state.adam.v[e.name].data);
      }
      this.adamUsed = true;
    } else {
      this.adamUsed = false;
    }
    this.step = state.step;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.workspace?.destroy();
    this.workspace = null;
    this.pool.destroy();
    this.device.removeEventListener('uncapturederror', this.onError);
    if (this.ownsDevice) this.device.destroy();
  }

  /** Adam moments, allocated on first use (zeros, as torch.optim.Adam starts). */
  adamBuffers(): { m: GPUBuffer; v: GPUBuffer } {
    this.adam ??= { m: this.pool.storage('adam m', this.layout.total), v: this.pool.storage('adam v', this.layout.total) };
    return this.adam;
  }

  /** Dispatches per plan, for the benchmark. */
  dispatchesPerStep(batch: number, steps: number, kind: PlanKind = 'sgd'): number {
    return this.ensureWorkspace(batch, steps).plan(kind).dispatchCount;
  }

  /**
   * Benchmarks only (needs a device with 'timestamp-query'): one SGD training step with every dispatch
   * timed, as total GPU milliseconds per kernel name.
   */
  async profileTrainStep(x: TokenTensor, y: TokenTensor, lr: number, clip: number): Promise<Record<string, number>> {
    this.usable();
    const [B, T] = validatePair(x, y, this.config.vocabSize);
    const ws = this.prepare(B, T, x, undefined, y);
    this.writeStep({ lr, clip, beta1: 0, beta2: 0, eps: 1, stepSize: 0, bc2Sqrt: 1, counter: this.step, accumulate: false });
    const plan = ws.plan('sgd');
    const n = plan.dispatchCount;
    const querySet = this.device.createQuerySet({ type: 'timestamp', count: 2 * n });
    const resolved = this.pool.create({ label: 'timestamps', size: 16 * n, usage: 0x200 | Usage.COPY_SRC }); // QUERY_RESOLVE
    const encoder = this.device.createCommandEncoder({ label: 'profile' });
    const names = plan.encodeProfiled(encoder, querySet);
    encoder.resolveQuerySet(querySet, 0, 2 * n, resolved, 0);
    const done = this.readback.stage(encoder, [{ buffer: resolved, offset: 0, size: 16 * n }]);
    this.device.queue.submit([encoder.finish()]);
    const [raw] = await this.finish(done);
    const ns = new BigUint64Array(raw.buffer);
    const out: Record<string, number> = {};
    names.forEach((name, i) => { out[name] = (out[name] ?? 0) + Number(ns[2 * i + 1] - ns[2 * i]) / 1e6; });
    querySet.destroy();
    this.pool.release(resolved);
    this.step++;
    return out;
  }

  private usable(): void {
    if (this.disposed) throw new DeepRnnError('E_DISPOSED', 'this model was disposed');
    if (this.lost !== null) throw new DeepRnnError('E_DEVICE_LOST', `the GPU device was lost: ${this.lost}`);
  }

  private stateBytes(): number {
    return this.config.layers * this.stateBatch * this.config.hidden * 4;
  }

  private stateRanges(): Array<{ buffer: GPUBuffer; offset: number; size: number }> {
    const n = this.stateBytes();
    return this.stateC ? [{ buffer: this.stateH!, offset: 0, size: n }, { buffer: this.stateC, offset: 0, size: n }] : [{ buffer: this.stateH!, offset: 0, size: n }];
  }

  /** State buffers for `batch`; a carried state of another batch size cannot continue and is dropped. */
  private ensureState(batch: number): void {
    if (this.stateBatch === batch) return;
    this.workspace?.destroy();
    this.workspace = null;
    if (this.stateH) this.pool.release(this.stateH);
    if (this.stateC) this.pool.release(this.stateC);
    const n = this.config.layers * batch * this.config.hidden;
    this.stateH = this.pool.storage('state h', n);
    this.stateC = this.config.cell === 'lstm' ? this.pool.storage('state c', n) : null;
    this.stateBatch = batch;
    this.hasState = false;
  }

  private ensureWorkspace(batch: number, steps: number): Workspace {
    this.ensureState(batch);
    if (this.workspace && this.workspace.steps === steps) return this.workspace;
    this.workspace?.destroy();
    this.workspace = null;
    this.workspace = new Workspace(this, batch, steps);
    return this.workspace;
  }

  /** Uploads tokens and sets the initial state: given, zeros (null), or carried (undefined). */
  private prepare(batch: number, steps: number, x: TokenTensor, state: RecurrentState | null | undefined, y?: TokenTensor): Workspace {
    if (state) validateState(state, this.config, batch);
    const ws = this.ensureWorkspace(batch, steps);
    if (state) this.setState(state, batch);
    else if (state === null || !this.hasState) {
      this.device.queue.writeBuffer(this.stateH!, 0, new Float32Array(this.stateBytes() / 4));
      if (this.stateC) this.device.queue.writeBuffer(this.stateC, 0, new Float32Array(this.stateBytes() / 4));
    }
    this.hasState = true;
    upload(this.device, ws.tokens, 0, x.data);
    if (y) upload(this.device, ws.head.targets, 0, y.data);
    return ws;
  }

  private writeStep(v: StepValues): void {
    const view = new DataView(new ArrayBuffer(48));
    [v.lr, v.clip, v.beta1, v.beta2, v.eps, v.stepSize, v.bc2Sqrt].forEach((f, i) => view.setFloat32(4 * i, f, true));
    view.setUint32(28, v.counter >>> 0, true);
    view.setUint32(32, v.accumulate ? 1 : 0, true);
    this.device.queue.writeBuffer(this.stepUniform, 0, view.buffer);
  }

  private async read(ranges: Array<{ buffer: GPUBuffer; offset: number; size: number }>): Promise<Float32Array[]> {
    const encoder = this.device.createCommandEncoder({ label: 'read' });
    const done = this.readback.stage(encoder, ranges);
    this.device.queue.submit([encoder.finish()]);
    return this.finish(done);
  }

  private async finish(done: () => Promise<Float32Array[]>): Promise<Float32Array[]> {
    const out = await done();
    if (this.gpuError !== null) throw new Error(`WebGPU validation error: ${this.gpuError}`);
    return out;
  }
}

export async function createWebGpuModel(config: ModelConfig, options?: { device?: GPUDevice }): Promise<RecurrentModel> {
  return WebGpuModel.create(config, options);
}
