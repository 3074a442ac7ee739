/**
 * The buffers and recorded plans of a WebGPU model for one (batch, steps) shape: built once, replayed by
 * every call with that shape. It is given a plain value of what it records over, never the model.
 */
import type { ParamLayout } from '../../model/layout.js';
import type { ResolvedConfig } from '../../model/types.js';
import { recordGradNorm, recordLogits, recordLossAndHeadBackward, recordUpdate, type HeadBuffers } from './head.js';
import { BufferPool, Plan } from './plan.js';
import { StackBuffers, recordStackBackward, recordStackForward, type StackKernels } from './stack.js';

export type PlanKind = 'forward' | 'grads' | 'sgd' | 'adam';

/** The model's long-lived device objects that every plan reads or writes. */
export interface ModelBuffers {
  device: GPUDevice;
  config: ResolvedConfig;
  layout: ParamLayout;
  kernels: StackKernels;
  params: GPUBuffer; // (P) by layout
  grads: GPUBuffer; // (P)
  scalars: GPUBuffer; // [mean loss, loss sum, grad norm, clip scale, skip step, skipped steps, 0, 0]
  partials: GPUBuffer; // (grad norm workgroups)
  stepUniform: GPUBuffer; // Step (shaders/common/step.wgsl)
  stateH: GPUBuffer; // (L, B, H) carried h, for this workspace's batch
  stateC: GPUBuffer | null; // (L, B, H) carried c, LSTM only
}

export interface AdamBuffers {
  m: GPUBuffer; // (P)
  v: GPUBuffer; // (P)
}

/** Buffers and plans for one (batch, steps) shape. */
export class Workspace {
  readonly pool: BufferPool;
  readonly stack: StackBuffers;
  readonly tokens: GPUBuffer;
  readonly head: HeadBuffers;
  readonly plans = new Map<PlanKind, Plan>();

  constructor(
    readonly m: ModelBuffers,
    readonly batch: number,
    readonly steps: number,
  ) {
    const { cell, layers, hidden, vocabSize: V, dropout, seed, nonlinearity } = m.config;
    this.pool = new BufferPool(m.device);
    const N = batch * steps;
    try {
      this.stack = new StackBuffers(
        this.pool,
        { cell, relu: nonlinearity === 'relu', layers, hidden, dropout, seed, offsets: m.layout.layers },
        batch,
        steps,
      );
      this.tokens = this.pool.storage('tokens', N);
      this.head = {
        logits: this.pool.storage('logits', N * V),
        dlogits: this.pool.storage('dlogits', N * V),
        rowLoss: this.pool.storage('rowLoss', N),
        targets: this.pool.storage('targets', N),
        scalars: m.scalars,
        partials: m.partials,
      };
    } catch (e) {
      this.pool.destroy(); // E_TOO_LARGE part way: free what was made
      throw e;
    }
  }

  /** The plan of `kind`, recorded on first use; 'adam' needs the moments. */
  plan(kind: PlanKind, adam?: AdamBuffers): Plan {
    let plan = this.plans.get(kind);
    if (!plan) {
      plan = this.record(kind, adam);
      this.plans.set(kind, plan);
    }
    return plan;
  }

  private record(kind: PlanKind, adam?: AdamBuffers): Plan {
    const m = this.m;
    const { layers: L, vocabSize: V } = m.config;
    const plan = new Plan(m.device, this.pool, m.stepUniform, `${kind} B${this.batch} T${this.steps}`);
    const k = m.kernels;
    const s = this.stack;
    const slot = this.batch * m.config.hidden * 4;
    const input = { kind: 'onehot' as const, tokens: this.tokens, vocab: V };
    const train = kind !== 'forward';
    for (let l = 0; l < L; l++) {
      plan.copy(m.stateH, l * slot, s.hs[l], 0, slot);
      if (m.stateC) plan.copy(m.stateC, l * slot, s.cs[l], 0, slot);
    }
    recordStackForward(plan, k, s, m.params, input, train);
    recordLogits(plan, k, s, m.layout, m.params, this.head, V);
    for (let l = 0; l < L; l++) {
      plan.copy(s.hs[l], this.steps * slot, m.stateH, l * slot, slot);
      if (m.stateC) plan.copy(s.cs[l], this.steps * slot, m.stateC, l * slot, slot);
    }
    if (train) {
      recordLossAndHeadBackward(plan, k, s, m.layout, m.params, m.grads, this.head, V);
      recordStackBackward(plan, k, s, m.params, m.grads, input, true);
      recordGradNorm(plan, k, m.grads, m.layout.total, this.head);
      if (kind === 'sgd') recordUpdate(plan, k.sgd_step, m.layout.total, m.params, m.grads, this.head);
      if (kind === 'adam') {
        if (!adam) throw new Error('the adam plan needs the Adam moments');
        recordUpdate(plan, k.adam_step, m.layout.total, m.params, m.grads, this.head, adam);
      }
    }
    return plan.finish();
  }

  destroy(): void {
    this.pool.destroy();
  }
}
