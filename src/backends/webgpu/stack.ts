/**
 * The recurrent stack on the GPU: its activation buffers for one (batch, steps) shape and the commands of
 * its forward and backward passes, recorded into a Plan. Shared by the whole model (one-hot input) and
 * the lower-level dense-input stack that tests check against PyTorch's nn.RNN/GRU/LSTM.
 *
 * Buffers (per layer l unless noted; N = T*B rows, time-major):
 *   hs[l]     (T+1, B, H)  slot 0 = initial h, slot t+1 = h_t
 *   cs[l]     (T+1, B, H)  LSTM cell states, same slots
 *   gates[l]  (T, B, 4H)   saved post-activation gates (LSTM i,f,g,o; GRU r,z,n,h_n)
 *   drop[l]   (T, B, H)    dropped output of layer l < L-1 (training with dropout only)
 *   xp        (T, B, GH)   input projection W_ih·x_t + b_ih of the layer being run (shared)
 *   dgates    (T+1, B, GH) pre-activation gate gradients (GRU: recurrent side); slot T stays zero
 *   dgi       (T, B, GH)   GRU input-side gate gradients
 *   hcarry, ccarry (T+1, B, H)  pointwise gradients carried to step t-1; slot T = dL/dh_n, dL/dc_n
 *   dhOut     (T, B, H)    dL/d(output of the layer being differentiated)
 *   dinput    (T, B, H)    dL/d(dropped input), before dropout_backward (dropout only)
 */
import type { LayerOffsets } from '../../model/layout.js';
import { gateCount } from '../../model/params.js';
import type { CellType } from '../../model/types.js';
import type { Kernel, KernelName } from './kernels.js';
import type { PipelineCache } from './kernels.js';
import type { BufferPool, Plan } from './plan.js';

export interface StackSpec {
  cell: CellType;
  relu: boolean;
  layers: number;
  hidden: number;
  dropout: number;
  seed: number;
  offsets: LayerOffsets[];
}

export type StackInput =
  | { kind: 'onehot'; tokens: GPUBuffer; vocab: number }
  | { kind: 'dense'; x: GPUBuffer; size: number };

export type StackKernels = Record<KernelName, Kernel>;

/** The kernels a stack of this cell needs, compiled (once per device) before any plan is recorded. */
export async function loadKernels(cache: PipelineCache, names: KernelName[]): Promise<StackKernels> {
  const out = {} as StackKernels;
  await Promise.all(
    names.map(async (n) => {
      out[n] = await cache.get(n);
    }),
  );
  return out;
}

export function stackKernelNames(cell: CellType): KernelName[] {
  return [
    `${cell}_forward`,
    `${cell}_backward`,
    'matmul',
    'column_sum',
    'embedding_forward',
    'embedding_backward',
    'dropout_forward',
    'dropout_backward',
  ];
}

/** Floats saved per (t, b) row by the forward kernels for backward: LSTM i,f,g,o; GRU r,z,n,h_n. */
export function savedGateWidth(cell: CellType, hidden: number): number {
  return cell === 'rnn' ? 0 : 4 * hidden;
}

export class StackBuffers {
  readonly hs: GPUBuffer[] = [];
  readonly cs: GPUBuffer[] = [];
  readonly gates: GPUBuffer[] = [];
  readonly drop: GPUBuffer[] = [];
  readonly xp: GPUBuffer;
  readonly dgates: GPUBuffer;
  readonly dgi: GPUBuffer;
  readonly hcarry: GPUBuffer;
  readonly ccarry: GPUBuffer;
  readonly dhOut: GPUBuffer;
  readonly dinput: GPUBuffer;

  constructor(
    pool: BufferPool,
    readonly spec: StackSpec,
    readonly batch: number,
    readonly steps: number,
  ) {
    const { cell, layers: L, hidden: H } = spec;
    const B = batch;
    const T = steps;
    const GH = gateCount(cell) * H;
    const saved = savedGateWidth(cell, H);
    const dropping = spec.dropout > 0 && L > 1;
    for (let l = 0; l < L; l++) {
      this.hs.push(pool.storage(`hs${l}`, (T + 1) * B * H));
      if (cell === 'lstm') this.cs.push(pool.storage(`cs${l}`, (T + 1) * B * H));
      if (saved > 0) this.gates.push(pool.storage(`gates${l}`, T * B * saved));
      if (dropping && l < L - 1) this.drop.push(pool.storage(`drop${l}`, T * B * H));
    }
    this.xp = pool.storage('xp', T * B * GH);
    this.dgates = pool.storage('dgates', (T + 1) * B * GH);
    this.dgi = cell === 'gru' ? pool.storage('dgi', T * B * GH) : this.dgates;
    this.hcarry = pool.storage('hcarry', (T + 1) * B * H);
    this.ccarry = cell === 'lstm' ? pool.storage('ccarry', (T + 1) * B * H) : this.hcarry;
    this.dhOut = pool.storage('dhOut', T * B * H);
    this.dinput = dropping ? pool.storage('dinput', T * B * H) : this.dhOut;
  }

  /** The top layer's outputs h_1..h_T: (T, B, H) at this element offset of hs[L-1]. */
  get outputOffset(): number {
    return this.batch * this.spec.hidden;
  }
}

interface Ctx {
  plan: Plan;
  k: StackKernels;
  buf: StackBuffers;
  params: GPUBuffer;
  input: StackInput;
  train: boolean;
}

/** The dense input of layer l >= 1 (or of a dense layer 0): buffer, element offset, width. */
function layerInput(c: Ctx, l: number): { buffer: GPUBuffer; offset: number; size: number } {
  const { buf, train } = c;
  if (l === 0) {
    if (c.input.kind !== 'dense') throw new Error('one-hot input has no dense view');
    return { buffer: c.input.x, offset: 0, size: c.input.size };
  }
  if (train && buf.drop.length > 0) return { buffer: buf.drop[l - 1], offset: 0, size: buf.spec.hidden };
  return { buffer: buf.hs[l - 1], offset: buf.outputOffset, size: buf.spec.hidden };
}

function dropoutDims(spec: StackSpec, layer: number, count: number): Record<string, number> {
  const p = spec.dropout;
  return {
    count,
    in_off: 0,
    out_off: 0,
    layer,
    seed: spec.seed,
    keep_from: Math.ceil(p * 16777216),
    scale: 1 / (1 - p),
  };
}

/** Records the forward pass. hs[l] slot 0 (and cs[l]) must already hold the initial state. */
export function recordStackForward(
  plan: Plan,
  k: StackKernels,
  buf: StackBuffers,
  params: GPUBuffer,
  input: StackInput,
  train: boolean,
): void {
  const c: Ctx = { plan, k, buf, params, input, train };
  const { spec, batch: B, steps: T } = buf;
  const { cell, hidden: H } = spec;
  const GH = gateCount(cell) * H;
  const N = T * B;
  for (let l = 0; l < spec.layers; l++) {
    const o = spec.offsets[l];
    if (l === 0 && input.kind === 'onehot') {
      plan.dispatch(
        k.embedding_forward,
        { batch: B, steps: T, gh: GH, vocab: input.vocab, w_off: o.wih, b_off: o.bih },
        { tokens: input.tokens, params, xp: buf.xp },
        N * GH,
      );
    } else {
      const src = layerInput(c, l);
      plan.dispatch(
        k.matmul,
        {
          m: N,
          n: GH,
          k: src.size,
          a_off: src.offset,
          a_rs: src.size,
          a_cs: 1,
          b_off: o.wih,
          b_rs: 1,
          b_cs: src.size,
          c_off: 0,
          bias_off: o.bih,
          flags: 1,
        },
        { a: src.buffer, b: params, bias: params, c: buf.xp },
        blocks(N, GH),
      );
    }
    const kernel = k[`${cell}_forward`];
    const buffers: Record<string, GPUBuffer> =
      cell === 'rnn'
        ? { xp: buf.xp, params, hs: buf.hs[l] }
        : cell === 'gru'
          ? { xp: buf.xp, params, hs: buf.hs[l], gates: buf.gates[l] }
          : { xp: buf.xp, params, hs: buf.hs[l], cs: buf.cs[l], gates: buf.gates[l] };
    for (let t = 0; t < T; t++) {
      plan.dispatch(
        kernel,
        {
          batch: B,
          hidden: H,
          t,
          whh_off: o.whh,
          bhh_off: o.bhh,
          ...(cell === 'rnn' ? { act: spec.relu ? 1 : 0 } : {}),
        },
        buffers,
        cellGrid(B, H),
      );
    }
    if (train && buf.drop.length > 0 && l < spec.layers - 1) {
      plan.dispatch(
        k.dropout_forward,
        { ...dropoutDims(spec, l, N * H), in_off: buf.outputOffset },
        { inp: buf.hs[l], out: buf.drop[l] },
        N * H,
      );
    }
  }
}

/** matmul's dispatch for an (M, N) result: one invocation per 8 columns, one workgroup row per 8 rows. */
export function blocks(m: number, n: number): [number, number] {
  return [Math.ceil(n / 8), Math.ceil(m / 8)];
}

/** The per-step cell kernels' dispatch: one invocation per hidden unit (backward: per 4 units), one workgroup row per 8 batch rows. */
function cellGrid(batch: number, hidden: number, unitsPerInvocation = 1): [number, number] {
  return [Math.ceil(hidden / unitsPerInvocation), Math.ceil(batch / 8)];
}

export interface BackwardOptions {
  /** dL/dx of a dense layer-0 input, (T, B, in). */
  dx?: GPUBuffer;
  /** Gradients w.r.t. the final states come in, and w.r.t. the initial states go out, each (L, B, H). */
  stateGrads?: { dhn: GPUBuffer; dcn?: GPUBuffer; dh0: GPUBuffer; dc0?: GPUBuffer };
}

/**
 * Records the backward pass through time. dhOut must hold dL/d(top layer outputs) (T, B, H). Writes every
 * weight and bias gradient into `grads` (same layout as params).
 */
export function recordStackBackward(
  plan: Plan,
  k: StackKernels,
  buf: StackBuffers,
  params: GPUBuffer,
  grads: GPUBuffer,
  input: StackInput,
  train: boolean,
  opts: BackwardOptions = {},
): void {
  const c: Ctx = { plan, k, buf, params, input, train };
  const { spec, batch: B, steps: T } = buf;
  const { cell, hidden: H } = spec;
  const GH = gateCount(cell) * H;
  const N = T * B;
  const slot = B * H * 4; // bytes per (B, H) slot
  const dgh = buf.dgates;
  const dgi = buf.dgi;
  for (let l = spec.layers - 1; l >= 0; l--) {
    const o = spec.offsets[l];
    const sg = opts.stateGrads;
    if (sg) {
      plan.copy(sg.dhn, l * slot, buf.hcarry, T * slot, slot);
      if (cell === 'lstm' && sg.dcn) plan.copy(sg.dcn, l * slot, buf.ccarry, T * slot, slot);
    }
    const kernel = k[`${cell}_backward`];
    const buffers: Record<string, GPUBuffer> =
      cell === 'rnn'
        ? { params, hs: buf.hs[l], dout: buf.dhOut, dgates: dgh, hcarry: buf.hcarry }
        : cell === 'gru'
          ? { params, gates: buf.gates[l], hs: buf.hs[l], dout: buf.dhOut, dgates: dgh, dgi, hcarry: buf.hcarry }
          : {
              params,
              gates: buf.gates[l],
              cs: buf.cs[l],
              dout: buf.dhOut,
              dgates: dgh,
              ccarry: buf.ccarry,
              hcarry: buf.hcarry,
            };
    for (let t = T - 1; t >= 0; t--) {
      plan.dispatch(
        kernel,
        { batch: B, hidden: H, t, whh_off: o.whh, ...(cell === 'rnn' ? { act: spec.relu ? 1 : 0 } : {}) },
        buffers,
        cellGrid(B, H, 4),
      );
    }
    // Weight gradients over all T steps at once: dW_hh = sum_t dgh_tᵀ·h_{t-1} (hs slots 0..T-1).
    plan.dispatch(
      k.matmul,
      {
        m: GH,
        n: H,
        k: N,
        a_off: 0,
        a_rs: 1,
        a_cs: GH,
        b_off: 0,
        b_rs: H,
        b_cs: 1,
        c_off: o.whh,
        bias_off: 0,
        flags: 0,
      },
      { a: dgh, b: buf.hs[l], bias: dgh, c: grads },
      blocks(GH, H),
    );
    plan.dispatch(k.column_sum, { rows: N, cols: GH, a_off: 0, c_off: o.bhh }, { a: dgh, out: grads }, GH);
    if (l === 0 && input.kind === 'onehot') {
      plan.dispatch(
        k.embedding_backward,
        { batch: B, steps: T, gh: GH, vocab: input.vocab, g_off: o.wih },
        { tokens: input.tokens, dg: dgi, grads },
        GH,
      );
    } else {
      const src = layerInput(c, l);
      plan.dispatch(
        k.matmul,
        {
          m: GH,
          n: src.size,
          k: N,
          a_off: 0,
          a_rs: 1,
          a_cs: GH,
          b_off: src.offset,
          b_rs: src.size,
          b_cs: 1,
          c_off: o.wih,
          bias_off: 0,
          flags: 0,
        },
        { a: dgi, b: src.buffer, bias: dgi, c: grads },
        blocks(GH, src.size),
      );
    }
    plan.dispatch(k.column_sum, { rows: N, cols: GH, a_off: 0, c_off: o.bih }, { a: dgi, out: grads }, GH);
    if (sg) {
      // dL/dh_0 = dgh_0·W_hh + the pointwise carry (GRU's z path); dL/dc_0 is LSTM's carry.
      plan.copy(buf.hcarry, 0, sg.dh0, l * slot, slot);
      plan.dispatch(
        k.matmul,
        {
          m: B,
          n: H,
          k: GH,
          a_off: 0,
          a_rs: GH,
          a_cs: 1,
          b_off: o.whh,
          b_rs: H,
          b_cs: 1,
          c_off: l * B * H,
          bias_off: 0,
          flags: 2,
        },
        { a: dgh, b: params, bias: dgh, c: sg.dh0 },
        blocks(B, H),
      );
      if (cell === 'lstm' && sg.dc0) plan.copy(buf.ccarry, 0, sg.dc0, l * slot, slot);
    }
    // Gradient w.r.t. this layer's input: one matmul over all steps, dX = dgi·W_ih.
    const inSize = o.inSize;
    const target = l > 0 ? (train && buf.drop.length > 0 ? buf.dinput : buf.dhOut) : opts.dx;
    if (target) {
      plan.dispatch(
        k.matmul,
        {
          m: N,
          n: inSize,
          k: GH,
          a_off: 0,
          a_rs: GH,
          a_cs: 1,
          b_off: o.wih,
          b_rs: inSize,
          b_cs: 1,
          c_off: 0,
          bias_off: 0,
          flags: 0,
        },
        { a: dgi, b: params, bias: dgi, c: target },
        blocks(N, inSize),
      );
    }
    if (l > 0 && train && buf.drop.length > 0) {
      plan.dispatch(k.dropout_backward, dropoutDims(spec, l - 1, N * H), { dout: buf.dinput, din: buf.dhOut }, N * H);
    }
  }
}
