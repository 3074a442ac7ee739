/**
 * The WebGPU engine behind RecurrentModelCore: parameters, gradients and optimizer state live on the
 * device; every (batch, steps) shape gets its buffers and recorded plans once (workspace.ts); a training
 * step is one command encoder and one submit with no readback, the loss and the skip decision staying in
 * `scalars` on the device until takeLoss.
 */
import { DeepRnnError, check } from '../../errors.js';
import type { Engine, EngineGrads, EngineRun, EngineStep, FlatBuffer, StartState } from '../../model/engine.js';
import { modelLayout, type ParamLayout } from '../../model/layout.js';
import type { RecurrentState, ResolvedConfig, TokenTensor } from '../../model/types.js';
import { STORAGE_BUFFERS_NEEDED, requestDevice } from './device.js';
import { normGroups } from './head.js';
import { pipelineCache, type KernelName } from './kernels.js';
import { BufferPool, Usage, upload, type Plan } from './plan.js';
import { Readback, type Range } from './readback.js';
import { loadKernels, stackKernelNames, type StackKernels } from './stack.js';
import { Workspace, type AdamBuffers, type ModelBuffers, type PlanKind } from './workspace.js';

/** Per-call values of the `Step` uniform shared by dropout, loss_sum, clip_scale, sgd_step, adam_step. */
interface StepValues {
  lr: number;
  clip: number;
  beta1: number;
  beta2: number;
  eps: number;
  stepSize: number;
  bc2Sqrt: number;
  counter: number;
  accumulate: boolean;
}

export class WebGpuEngine implements Engine {
  readonly backend = 'webgpu' as const;
  readonly threads = 1;
  readonly layout: ParamLayout;
  private readonly pool: BufferPool;
  private readonly params: GPUBuffer;
  private readonly grads: GPUBuffer;
  private readonly scalars: GPUBuffer;
  private readonly partials: GPUBuffer;
  private readonly stepUniform: GPUBuffer;
  private readonly readback: Readback;
  private stateH: GPUBuffer | null = null;
  private stateC: GPUBuffer | null = null;
  private stateBatch = 0;
  private adam: AdamBuffers | null = null;
  private workspace: Workspace | null = null;
  private lostReason: string | null = null;
  private gpuError: string | null = null;
  private readonly onError = (e: Event): void => {
    this.gpuError ??= (e as GPUUncapturedErrorEvent).error.message;
  };
  /** Benchmarks: time every dispatch of the next trainStep; its timings land in `timings`. */
  timeNextStep = false;
  timings: Promise<Record<string, number>> | null = null;

  private constructor(
    readonly device: GPUDevice,
    readonly config: ResolvedConfig,
    private readonly kernels: StackKernels,
    private readonly ownsDevice: boolean,
  ) {
    this.layout = modelLayout(config);
    this.pool = new BufferPool(device);
    const P = this.layout.total;
    this.params = this.pool.storage('params', P);
    this.grads = this.pool.storage('grads', P);
    this.scalars = this.pool.storage('scalars', 8);
    this.partials = this.pool.storage('partials', normGroups(P));
    this.stepUniform = this.pool.create({ label: 'step', size: 64, usage: Usage.UNIFORM | Usage.COPY_DST });
    this.readback = new Readback(this.pool, () => this.lostReason);
    device.lost.then((info) => {
      this.lostReason = `${info.reason}: ${info.message}`;
    });
    device.addEventListener('uncapturederror', this.onError);
  }

  /** `config` must be validated (the core's factories do). Uses `device` when given, else requests one it owns. */
  static async create(config: ResolvedConfig, options: { device?: GPUDevice } = {}): Promise<WebGpuEngine> {
    const given = options.device?.limits.maxStorageBuffersPerShaderStage;
    check(
      given === undefined || given >= STORAGE_BUFFERS_NEEDED,
      `the given GPUDevice allows ${given} storage buffers per shader stage; deeprnn needs ${STORAGE_BUFFERS_NEEDED} (request it in requiredLimits)`,
    );
    const device = options.device ?? (await requestDevice()).device;
    try {
      const names: KernelName[] = [
        ...stackKernelNames(config.cell),
        'softmax_xent',
        'loss_sum',
        'grad_norm',
        'clip_scale',
        'sgd_step',
        'adam_step',
      ];
      const kernels = await loadKernels(pipelineCache(device), names);
      return new WebGpuEngine(device, config, kernels, !options.device);
    } catch (e) {
      if (!options.device) device.destroy();
      throw e;
    }
  }

  failure(): DeepRnnError | null {
    return this.lostReason === null
      ? null
      : new DeepRnnError('E_DEVICE_LOST', `the GPU device was lost: ${this.lostReason}`);
  }

  write(buffer: FlatBuffer, offset: number, data: Float32Array): void {
    upload(this.device, this.flat(buffer), offset * 4, data);
  }

  read(buffers: FlatBuffer[]): Promise<Float32Array[]> {
    return this.readRanges(buffers.map((b) => ({ buffer: this.flat(b), offset: 0, size: this.layout.total * 4 })));
  }

  writeState(state: RecurrentState, batch: number): void {
    this.ensureState(batch);
    upload(this.device, this.stateH!, 0, state.h);
    if (state.c) upload(this.device, this.stateC!, 0, state.c);
  }

  async readState(): Promise<RecurrentState> {
    const [h, c] = await this.readRanges(this.stateRanges());
    return c ? { h, c } : { h };
  }

  // Not async: a workspace that does not fit throws before anything is submitted (see Engine).
  forward(x: TokenTensor, start: StartState, out?: EngineRun): Promise<EngineRun> {
    const [B, T] = x.shape;
    const ws = this.prepare(x, start);
    const encoder = this.device.createCommandEncoder({ label: 'forward' });
    ws.plan('forward').encode(encoder);
    const done = this.readback.stage(encoder, [
      { buffer: ws.head.logits, offset: 0, size: B * T * this.config.vocabSize * 4 },
      ...this.stateRanges(),
    ]);
    this.device.queue.submit([encoder.finish()]);
    return this.finish(done).then(([logits, h, c]) => {
      if (out === undefined) return { logits, state: c ? { h, c } : { h } };
      out.logits.set(logits);
      out.state.h.set(h);
      if (c) out.state.c!.set(c);
      return out;
    });
  }

  lossAndGrads(x: TokenTensor, y: TokenTensor, start: StartState, step: number): Promise<EngineGrads> {
    const [B, T] = x.shape;
    const ws = this.prepare(x, start, y);
    this.writeStep({
      lr: 0,
      clip: -1,
      beta1: 0,
      beta2: 0,
      eps: 0,
      stepSize: 0,
      bc2Sqrt: 1,
      counter: step,
      accumulate: false,
    });
    const encoder = this.device.createCommandEncoder({ label: 'lossAndGrads' });
    ws.plan('grads').encode(encoder);
    const done = this.readback.stage(encoder, [
      { buffer: this.scalars, offset: 0, size: 16 },
      { buffer: this.grads, offset: 0, size: this.layout.total * 4 },
      { buffer: ws.head.logits, offset: 0, size: B * T * this.config.vocabSize * 4 },
      ...this.stateRanges(),
    ]);
    this.device.queue.submit([encoder.finish()]);
    return this.finish(done).then(([scalars, grads, logits, h, c]) => ({
      loss: scalars[0],
      gradNorm: scalars[2],
      grads,
      logits,
      state: c ? { h, c } : { h },
    }));
  }

  trainStep(x: TokenTensor, y: TokenTensor, start: StartState, o: EngineStep): void {
    const ws = this.prepare(x, start, y);
    const t = o.step + 1;
    this.writeStep({
      lr: o.lr,
      clip: Number.isFinite(o.clip) ? o.clip : -1,
      beta1: o.beta1,
      beta2: o.beta2,
      eps: o.eps,
      stepSize: o.lr / (1 - o.beta1 ** t),
      bc2Sqrt: Math.sqrt(1 - o.beta2 ** t),
      counter: o.step,
      accumulate: true,
    });
    const encoder = this.device.createCommandEncoder({ label: 'trainStep' });
    if (o.zeroMoments && this.adam) {
      // Moments left from before a loadOptimizerState without Adam: start from zeros, as torch.optim.Adam.
      encoder.clearBuffer(this.adam.m);
      encoder.clearBuffer(this.adam.v);
    }
    const plan = ws.plan(o.optimizer, o.optimizer === 'adam' ? this.adamBuffers() : undefined);
    let timed: (() => Promise<Record<string, number>>) | null = null;
    if (this.timeNextStep) timed = this.encodeTimed(encoder, plan);
    else plan.encode(encoder);
    this.device.queue.submit([encoder.finish()]);
    if (timed) this.timings = timed();
  }

  async takeLoss(): Promise<{ lossSum: number; skipped: number }> {
    const encoder = this.device.createCommandEncoder({ label: 'takeLoss' });
    const done = this.readback.stage(encoder, [{ buffer: this.scalars, offset: 0, size: 32 }]);
    this.device.queue.submit([encoder.finish()]);
    upload(this.device, this.scalars, 4, new Float32Array(1));
    upload(this.device, this.scalars, 20, new Float32Array(1));
    const [scalars] = await this.finish(done);
    return { lossSum: scalars[1], skipped: scalars[5] };
  }

  dispose(): void {
    this.workspace?.destroy();
    this.workspace = null;
    this.pool.destroy();
    this.device.removeEventListener('uncapturederror', this.onError);
    if (this.ownsDevice) this.device.destroy();
  }

  /** Benchmarks: dispatches of one plan, recorded in a scratch workspace so the carried state is untouched. */
  dispatchesPerStep(batch: number, steps: number, kind: PlanKind): number {
    const pool = new BufferPool(this.device);
    try {
      const n = this.config.layers * batch * this.config.hidden;
      const state = {
        stateH: pool.storage('state h', n),
        stateC: this.config.cell === 'lstm' ? pool.storage('state c', n) : null,
      };
      const ws = new Workspace({ ...this.modelBuffers(), ...state }, batch, steps);
      try {
        return ws.plan(kind, kind === 'adam' ? this.adamBuffers() : undefined).dispatchCount;
      } finally {
        ws.destroy();
      }
    } finally {
      pool.destroy();
    }
  }

  private flat(buffer: FlatBuffer): GPUBuffer {
    return buffer === 'params' ? this.params : buffer === 'adamM' ? this.adamBuffers().m : this.adamBuffers().v;
  }

  /** Adam moments, allocated on first use (zeros, as torch.optim.Adam starts). */
  private adamBuffers(): AdamBuffers {
    this.adam ??= {
      m: this.pool.storage('adam m', this.layout.total),
      v: this.pool.storage('adam v', this.layout.total),
    };
    return this.adam;
  }

  private modelBuffers(): Omit<ModelBuffers, 'stateH' | 'stateC'> {
    const { device, config, layout, kernels, params, grads, scalars, partials, stepUniform } = this;
    return { device, config, layout, kernels, params, grads, scalars, partials, stepUniform };
  }

  private stateRanges(): Range[] {
    const n = this.config.layers * this.stateBatch * this.config.hidden * 4;
    return this.stateC
      ? [
          { buffer: this.stateH!, offset: 0, size: n },
          { buffer: this.stateC, offset: 0, size: n },
        ]
      : [{ buffer: this.stateH!, offset: 0, size: n }];
  }

  /** State buffers for `batch` (zeros when new); the workspace records copies from them, so it goes too. */
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
  }

  private ensureWorkspace(batch: number, steps: number): Workspace {
    this.ensureState(batch);
    if (this.workspace && this.workspace.steps === steps) return this.workspace;
    this.workspace?.destroy();
    this.workspace = null;
    this.workspace = new Workspace({ ...this.modelBuffers(), stateH: this.stateH!, stateC: this.stateC }, batch, steps);
    return this.workspace;
  }

  /** Uploads tokens (and targets) and puts the start state in the state buffers the plans copy from. */
  private prepare(x: TokenTensor, start: StartState, y?: TokenTensor): Workspace {
    const [B, T] = x.shape;
    const ws = this.ensureWorkspace(B, T);
    if (start === 'zeros') {
      const zeros = new Float32Array(this.config.layers * B * this.config.hidden);
      this.device.queue.writeBuffer(this.stateH!, 0, zeros);
      if (this.stateC) this.device.queue.writeBuffer(this.stateC, 0, zeros);
    } else if (start !== 'carried') {
      this.writeState(start, B);
    }
    upload(this.device, ws.tokens, 0, x.data);
    if (y) upload(this.device, ws.head.targets, 0, y.data);
    return ws;
  }

  private writeStep(v: StepValues): void {
    const view = new DataView(new ArrayBuffer(48));
    [v.lr, v.clip, v.beta1, v.beta2, v.eps, v.stepSize, v.bc2Sqrt].forEach((f, i) => {
      view.setFloat32(4 * i, f, true);
    });
    view.setUint32(28, v.counter >>> 0, true);
    view.setUint32(32, v.accumulate ? 1 : 0, true);
    this.device.queue.writeBuffer(this.stepUniform, 0, view.buffer);
  }

  /** Encodes `plan` with a timestamp pair around every dispatch (needs 'timestamp-query'); read after submit. */
  private encodeTimed(encoder: GPUCommandEncoder, plan: Plan): () => Promise<Record<string, number>> {
    const n = plan.dispatchCount;
    const querySet = this.device.createQuerySet({ type: 'timestamp', count: 2 * n });
    const resolved = this.pool.create({ label: 'timestamps', size: 16 * n, usage: 0x200 | Usage.COPY_SRC }); // QUERY_RESOLVE
    const names = plan.encodeProfiled(encoder, querySet);
    encoder.resolveQuerySet(querySet, 0, 2 * n, resolved, 0);
    const done = this.readback.stage(encoder, [{ buffer: resolved, offset: 0, size: 16 * n }]);
    return async () => {
      const [raw] = await this.finish(done);
      const ns = new BigUint64Array(raw.buffer);
      const out: Record<string, number> = {};
      names.forEach((name, i) => {
        out[name] = (out[name] ?? 0) + Number(ns[2 * i + 1] - ns[2 * i]) / 1e6;
      });
      querySet.destroy();
      this.pool.release(resolved);
      return out;
    };
  }

  private readRanges(ranges: Range[]): Promise<Float32Array[]> {
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
