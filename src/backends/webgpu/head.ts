/**
 * The model around the stack: output layer, fused softmax cross-entropy, global gradient norm with
 * d2l's clipping, and the optimizer updates, recorded into a Plan.
 */
import type { ParamLayout } from '../../model/layout.js';
import type { Plan } from './plan.js';
import { blocks, type StackBuffers, type StackKernels } from './stack.js';
import type { Kernel } from './kernels.js';

export interface HeadBuffers {
  logits: GPUBuffer; // (T*B, V)
  dlogits: GPUBuffer; // (T*B, V)
  rowLoss: GPUBuffer; // (T*B)
  targets: GPUBuffer; // (B, T) int32
  scalars: GPUBuffer; // [mean loss, loss sum, grad norm, clip scale, skip step, skipped steps, 0, 0]
  partials: GPUBuffer; // (grad norm workgroups)
}

/** logits = Y·W_outᵀ + b_out over all T*B rows of the top layer's output. */
export function recordLogits(
  plan: Plan,
  k: StackKernels,
  s: StackBuffers,
  layout: ParamLayout,
  params: GPUBuffer,
  h: HeadBuffers,
  vocab: number,
): void {
  const H = s.spec.hidden;
  const N = s.steps * s.batch;
  plan.dispatch(
    k.matmul,
    {
      m: N,
      n: vocab,
      k: H,
      a_off: s.outputOffset,
      a_rs: H,
      a_cs: 1,
      b_off: layout.wout,
      b_rs: 1,
      b_cs: H,
      c_off: 0,
      bias_off: layout.bout,
      flags: 1,
    },
    { a: s.hs[s.spec.layers - 1], b: params, bias: params, c: h.logits },
    blocks(N, vocab),
  );
}

/** Loss and d-logits, then the output layer's gradients and dL/dY into the stack's dhOut. */
export function recordLossAndHeadBackward(
  plan: Plan,
  k: StackKernels,
  s: StackBuffers,
  layout: ParamLayout,
  params: GPUBuffer,
  grads: GPUBuffer,
  h: HeadBuffers,
  vocab: number,
): void {
  const H = s.spec.hidden;
  const N = s.steps * s.batch;
  const top = s.hs[s.spec.layers - 1];
  plan.dispatch(
    k.softmax_xent,
    { batch: s.batch, steps: s.steps, vocab },
    { logits: h.logits, targets: h.targets, dlogits: h.dlogits, row_loss: h.rowLoss },
    N,
  );
  plan.dispatch(k.loss_sum, { rows: N }, { row_loss: h.rowLoss, scalars: h.scalars }, 1);
  plan.dispatch(
    k.matmul,
    {
      m: vocab,
      n: H,
      k: N,
      a_off: 0,
      a_rs: 1,
      a_cs: vocab,
      b_off: s.outputOffset,
      b_rs: H,
      b_cs: 1,
      c_off: layout.wout,
      bias_off: 0,
      flags: 0,
    },
    { a: h.dlogits, b: top, bias: h.dlogits, c: grads },
    blocks(vocab, H),
  );
  plan.dispatch(
    k.column_sum,
    { rows: N, cols: vocab, a_off: 0, c_off: layout.bout },
    { a: h.dlogits, out: grads },
    vocab,
  );
  plan.dispatch(
    k.matmul,
    {
      m: N,
      n: H,
      k: vocab,
      a_off: 0,
      a_rs: vocab,
      a_cs: 1,
      b_off: layout.wout,
      b_rs: H,
      b_cs: 1,
      c_off: 0,
      bias_off: 0,
      flags: 0,
    },
    { a: h.dlogits, b: params, bias: h.dlogits, c: s.dhOut },
    blocks(N, H),
  );
}

/** Workgroups of the first grad-norm stage (each of 256 invocations, grid-stride). */
export function normGroups(count: number): number {
  return Math.max(1, Math.min(256, Math.ceil(count / 256)));
}

export function recordGradNorm(plan: Plan, k: StackKernels, grads: GPUBuffer, count: number, h: HeadBuffers): void {
  const groups = normGroups(count);
  plan.dispatch(k.grad_norm, { count }, { grads, partial: h.partials }, groups);
  plan.dispatch(k.clip_scale, { parts: groups }, { partial: h.partials, scalars: h.scalars }, 1);
}

export function recordUpdate(
  plan: Plan,
  kernel: Kernel,
  count: number,
  params: GPUBuffer,
  grads: GPUBuffer,
  h: HeadBuffers,
  adam?: { m: GPUBuffer; v: GPUBuffer },
): void {
  plan.dispatch(kernel, { count }, { scalars: h.scalars, grads, params, ...adam }, count);
}
