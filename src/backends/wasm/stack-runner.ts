/**
 * Internal lower-level entry (used by test/wasm): the recurrent stack alone with a dense real-valued
 * input, as nn.RNN/GRU/LSTM, so the kernels can be checked against test/fixtures/stack_*.json before
 * the output layer and the loss are involved. Not part of the public API.
 */
import { check } from '../../errors.js';
import { gateCount } from '../../model/params.js';
import type { CellType, Nonlinearity } from '../../model/types.js';
import { Arena } from './arena.js';
import { instantiateKernels, kernelModule, type KernelBuild } from './kernels.js';
import { Kernels } from './parallel.js';
import { RecurrentStack, type LayerWeights } from './stack.js';
import { TrainableStack, type LayerGrads } from './trainable-stack.js';

export interface StackConfig {
  cell: CellType;
  nonlinearity?: Nonlinearity;
  layers: number;
  inputSize: number;
  hidden: number;
}

export interface StackRun {
  /** (T, B, I) input, (L, B, H) initial states, (T, B, H) upstream gradient of the outputs. */
  x: Float32Array;
  h0: Float32Array;
  c0?: Float32Array;
  dOutput: Float32Array;
  /** Optional upstream gradients of the final states, (L, B, H). */
  dhn?: Float32Array;
  dcn?: Float32Array;
}

export interface StackResult {
  output: Float32Array;
  hn: Float32Array;
  cn?: Float32Array;
  /** weight_ih_l0 ... (PyTorch nn.RNN names), plus x, h0 and c0. */
  grads: Record<string, Float32Array>;
}

export class WasmStack {
  private constructor(
    private readonly arena: Arena,
    private readonly stack: TrainableStack,
    private readonly names: Array<[string, number, number]>,
    private readonly dhn: number,
    private readonly dcn: number,
    private readonly xPtr: number,
  ) {}

  static async create(cfg: StackConfig, batch: number, steps: number, build: KernelBuild = 'nn'): Promise<WasmStack> {
    const k = await instantiateKernels(kernelModule(build));
    const arena = new Arena(k);
    const { layers: L, hidden: H } = cfg;
    const GH = gateCount(cfg.cell) * H;
    const weights: LayerWeights[] = [];
    const grads: LayerGrads[] = [];
    const names: Array<[string, number, number]> = [];
    for (let l = 0; l < L; l++) {
      const inSize = l === 0 ? cfg.inputSize : H;
      const w: LayerWeights = {
        inSize,
        wih: arena.alloc(GH * inSize),
        whh: arena.alloc(GH * H),
        bih: arena.alloc(GH),
        bhh: arena.alloc(GH),
        ...RecurrentStack.allocCopies(arena, false, l, inSize, gateCount(cfg.cell), H),
      };
      grads.push({
        ...TrainableStack.allocBackwardCopies(arena, false, l, inSize, gateCount(cfg.cell), H),
        gwih: arena.alloc(GH * inSize),
        gwhh: arena.alloc(GH * H),
        gbih: arena.alloc(GH),
        gbhh: arena.alloc(GH),
      });
      names.push(
        [`weight_ih_l${l}`, w.wih, GH * inSize],
        [`weight_hh_l${l}`, w.whh, GH * H],
        [`bias_ih_l${l}`, w.bih, GH],
        [`bias_hh_l${l}`, w.bhh, GH],
      );
      weights.push(w);
    }
    const stack = new TrainableStack(
      new Kernels(k),
      arena,
      {
        cell: cfg.cell,
        relu: cfg.nonlinearity === 'relu',
        layers: L,
        hidden: H,
        tokens: false,
        inSize: cfg.inputSize,
        dropout: 0,
        seed: 0,
      },
      weights,
      grads,
    );
    const dhn = arena.alloc(L * batch * H);
    const dcn = arena.alloc(L * batch * H);
    const xPtr = arena.alloc(steps * batch * cfg.inputSize);
    stack.layout(batch, steps);
    arena.commit();
    return new WasmStack(arena, stack, names, dhn, dcn, xPtr);
  }

  loadWeights(dict: Record<string, Float32Array>): void {
    for (const [name, off, n] of this.names) {
      check(
        dict[name] !== undefined && dict[name].length === n,
        `stack weight ${name} must have ${n} elements`,
        'E_STATE_DICT',
      );
      this.arena.f32(off, n).set(dict[name]);
    }
    this.stack.refreshTransposes();
  }

  run(r: StackRun): StackResult {
    const s = this.stack;
    const { layers: L, hidden: H, inSize, cell } = s.spec;
    const B = s.batch;
    const T = s.steps;
    const BH = B * H;
    const a = this.arena;
    a.f32(this.xPtr, T * B * inSize).set(r.x);
    for (let l = 0; l < L; l++) {
      a.f32(s.h(l, 0), BH).set(r.h0.subarray(l * BH, (l + 1) * BH));
      if (cell === 'lstm') a.f32(s.c(l, 0), BH).set(r.c0!.subarray(l * BH, (l + 1) * BH));
    }
    s.forward(this.xPtr);
    const output = a.f32(s.output(), T * BH).slice();
    const hn = new Float32Array(L * BH);
    const cn = cell === 'lstm' ? new Float32Array(L * BH) : undefined;
    for (let l = 0; l < L; l++) {
      hn.set(a.f32(s.h(l, T), BH), l * BH);
      cn?.set(a.f32(s.c(l, T), BH), l * BH);
    }
    a.f32(s.dA, T * BH).set(r.dOutput);
    if (r.dhn) a.f32(this.dhn, L * BH).set(r.dhn);
    if (r.dcn) a.f32(this.dcn, L * BH).set(r.dcn);
    const dx = s.backward(this.xPtr, {
      dhn: r.dhn ? this.dhn : 0,
      dcn: r.dcn ? this.dcn : 0,
      stateGrad: true,
      inputGrad: true,
    });
    const grads: Record<string, Float32Array> = {};
    const GH = s.G * H;
    for (let l = 0; l < L; l++) {
      const g = s.grads[l];
      grads[`weight_ih_l${l}`] = a.f32(g.gwih, GH * s.weights[l].inSize).slice();
      grads[`weight_hh_l${l}`] = a.f32(g.gwhh, GH * H).slice();
      grads[`bias_ih_l${l}`] = a.f32(g.gbih, GH).slice();
      grads[`bias_hh_l${l}`] = a.f32(g.gbhh, GH).slice();
    }
    grads.x = a.f32(dx, T * B * inSize).slice();
    grads.h0 = a.f32(s.dh0, L * BH).slice();
    if (cell === 'lstm') grads.c0 = a.f32(s.dc0, L * BH).slice();
    return { output, hn, cn, grads };
  }
}
