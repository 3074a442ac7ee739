/**
 * The recurrent stack alone with a dense real-valued input: PyTorch's nn.RNN/GRU/LSTM(input, hidden,
 * layers). It runs the same kernels and recorded passes as the model (only layer 0's input projection is
 * a matmul instead of a one-hot gather), so checking it against test/fixtures/stack_*.json checks
 * every recurrent kernel, including the gradients w.r.t. the input and the initial states.
 * A lower-level API for tests and verification: it rebuilds its buffers on every run.
 */
import { check } from '../../errors.js';
import { paramLayout } from '../../model/layout.js';
import { gateCount } from '../../model/params.js';
import type { CellType, Nonlinearity } from '../../model/types.js';
import { requestDevice } from './device.js';
import { pipelineCache } from './kernels.js';
import { BufferPool, Plan, Usage, upload } from './plan.js';
import { Readback } from './readback.js';
import { StackBuffers, loadKernels, recordStackBackward, recordStackForward, stackKernelNames } from './stack.js';

export interface DenseStackConfig {
  cell: CellType;
  nonlinearity?: Nonlinearity;
  layers: number;
  hidden: number;
  inputSize: number;
}

export interface DenseStackInput {
  /** PyTorch names without the `rnn.` prefix: weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, ... */
  weights: Record<string, Float32Array>;
  batch: number;
  steps: number;
  x: Float32Array; // (T, B, in)
  h0: Float32Array; // (L, B, H)
  c0?: Float32Array; // (L, B, H), LSTM
  dout: Float32Array; // (T, B, H): dL/d(output)
  dhn?: Float32Array; // (L, B, H): dL/dh_n
  dcn?: Float32Array; // (L, B, H): dL/dc_n, LSTM
}

export interface DenseStackResult {
  output: Float32Array; // (T, B, H)
  hn: Float32Array; // (L, B, H)
  cn?: Float32Array;
  /** Every weight by name, plus x, h0 and (LSTM) c0. */
  grads: Record<string, Float32Array>;
}

export interface DenseStack {
  run(input: DenseStackInput): Promise<DenseStackResult>;
  dispose(): void;
}

export async function createDenseStack(
  config: DenseStackConfig,
  options: { device?: GPUDevice } = {},
): Promise<DenseStack> {
  const { cell, layers: L, hidden: H, inputSize: I } = config;
  const G = gateCount(cell);
  const shapes: Array<[string, number[]]> = [];
  for (let l = 0; l < L; l++) {
    shapes.push(
      [`weight_ih_l${l}`, [G * H, l === 0 ? I : H]],
      [`weight_hh_l${l}`, [G * H, H]],
      [`bias_ih_l${l}`, [G * H]],
      [`bias_hh_l${l}`, [G * H]],
    );
  }
  const layout = paramLayout(shapes);
  const device = options.device ?? (await requestDevice()).device;
  const kernels = await loadKernels(pipelineCache(device), stackKernelNames(cell));
  const spec = {
    cell,
    relu: config.nonlinearity === 'relu',
    layers: L,
    hidden: H,
    dropout: 0,
    seed: 0,
    offsets: layout.layers,
  };

  async function run(inp: DenseStackInput): Promise<DenseStackResult> {
    const { batch: B, steps: T } = inp;
    check(
      inp.x.length === T * B * I && inp.dout.length === T * B * H && inp.h0.length === L * B * H,
      'dense stack input sizes do not match',
      'E_BAD_SHAPE',
    );
    const pool = new BufferPool(device);
    try {
      const put = (label: string, data: Float32Array | undefined, floats: number): GPUBuffer => {
        const b = pool.storage(label, floats);
        if (data) upload(device, b, 0, data);
        return b;
      };
      const params = pool.storage('params', layout.total);
      for (const e of layout.entries) upload(device, params, e.offset * 4, inp.weights[e.name]);
      const grads = pool.storage('grads', layout.total);
      const x = put('x', inp.x, T * B * I);
      const dx = pool.storage('dx', T * B * I);
      const n = L * B * H;
      const h0 = put('h0', inp.h0, n);
      const c0 = put('c0', inp.c0, n);
      const dhn = put('dhn', inp.dhn, n);
      const dcn = put('dcn', inp.dcn, n);
      const dh0 = pool.storage('dh0', n);
      const dc0 = pool.storage('dc0', n);
      const step = pool.create({ label: 'step', size: 64, usage: Usage.UNIFORM | Usage.COPY_DST });
      const buf = new StackBuffers(pool, spec, B, T);
      upload(device, buf.dhOut, 0, inp.dout);
      const plan = new Plan(device, pool, step, 'dense stack');
      const slot = B * H * 4;
      for (let l = 0; l < L; l++) {
        plan.copy(h0, l * slot, buf.hs[l], 0, slot);
        if (cell === 'lstm') plan.copy(c0, l * slot, buf.cs[l], 0, slot);
      }
      const input = { kind: 'dense' as const, x, size: I };
      recordStackForward(plan, kernels, buf, params, input, false);
      recordStackBackward(plan, kernels, buf, params, grads, input, false, { dx, stateGrads: { dhn, dcn, dh0, dc0 } });
      plan.finish();
      const encoder = device.createCommandEncoder();
      plan.encode(encoder);
      const hn = pool.storage('hn', n);
      const cn = pool.storage('cn', n);
      for (let l = 0; l < L; l++) {
        encoder.copyBufferToBuffer(buf.hs[l], T * slot, hn, l * slot, slot);
        if (cell === 'lstm') encoder.copyBufferToBuffer(buf.cs[l], T * slot, cn, l * slot, slot);
      }
      const readback = new Readback(pool, () => null);
      const done = readback.stage(encoder, [
        { buffer: buf.hs[L - 1], offset: slot, size: T * slot },
        { buffer: hn, offset: 0, size: n * 4 },
        { buffer: cn, offset: 0, size: n * 4 },
        { buffer: grads, offset: 0, size: layout.total * 4 },
        { buffer: dx, offset: 0, size: T * B * I * 4 },
        { buffer: dh0, offset: 0, size: n * 4 },
        { buffer: dc0, offset: 0, size: n * 4 },
      ]);
      device.queue.submit([encoder.finish()]);
      const [output, hnOut, cnOut, g, dxOut, dh0Out, dc0Out] = await done();
      const out: Record<string, Float32Array> = {};
      for (const e of layout.entries) out[e.name] = g.slice(e.offset, e.offset + e.size);
      out.x = dxOut;
      out.h0 = dh0Out;
      if (cell === 'lstm') out.c0 = dc0Out;
      return { output, hn: hnOut, ...(cell === 'lstm' ? { cn: cnOut } : {}), grads: out };
    } finally {
      pool.destroy();
    }
  }

  return {
    run,
    dispose: () => {
      if (!options.device) device.destroy();
    },
  };
}
