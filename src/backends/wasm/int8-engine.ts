/**
 * Generation and evaluation from int8 weights (src/model/quantize.ts) on the CPU: the same forward as
 * WasmForwardEngine with every product computed from the int8 matrices by assembly/nn/int8.ts (inputs
 * quantized per row each step), never from f32 copies of them. A batch-1 step streams a quarter of the
 * bytes an f32 step does, and each integer product costs a fraction of the f32 multiply-adds.
 *
 * Arena, fixed part: per layer W_ih as int8 rows (layer 0, token input: W_ih^T, whose rows the one-hot
 * input gathers) and W_hh, then linear.weight, each with its row scales, and the f32 biases. No f32
 * weights: write() quantizes what it is given (loadStateDict of f32 weights works), read() dequantizes.
 * Batch part: WasmForwardEngine's, plus the quantized input rows (T*B of them, the most any product takes).
 */
import type { ForwardModel, ResolvedConfig, StateDict } from '../../model/types.js';
import { ForwardModelCore } from '../../model/forward.js';
import type { ParamEntry } from '../../model/layout.js';
import { modelLayout } from '../../model/layout.js';
import { gateCount } from '../../model/params.js';
import { dequantizeInt8, quantizeInt8, type Int8Matrix } from '../../model/quantize.js';
import { validateConfig, validateStateDict } from '../../model/validate.js';
import type { WasmModule } from '../../wasm/module.js';
import { Arena } from './arena.js';
import { WasmForwardEngine, modelStackSpec, type ForwardParts } from './forward-engine.js';
import { instantiateKernels, type ForwardKernels } from './kernels.js';
import { RecurrentStack, type LayerWeights, type StackSpec } from './stack.js';

const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;

/** An int8 matrix in the arena, in the layout assembly/nn/int8.ts reads. */
interface ArenaInt8 {
  /** Rows and columns as the kernels see them (layer 0's W_ih: transposed). */
  rows: number;
  cols: number;
  /** Bytes per row: cols rounded up to 16 (the gather table: cols itself). */
  stride: number;
  q: number;
  scale: number;
  transposed: boolean;
}

function allocInt8(arena: Arena, rows: number, cols: number, transposed: boolean): ArenaInt8 {
  const stride = transposed ? cols : roundUp(cols, 16);
  const paddedRows = transposed ? rows : roundUp(rows, 4);
  // A transposed table's scales are per column (W_ih's rows); the others' per (padded) row.
  const scales = transposed ? cols : paddedRows;
  return {
    rows,
    cols,
    stride,
    q: arena.alloc(Math.ceil((paddedRows * stride) / 4)),
    scale: arena.alloc(scales),
    transposed,
  };
}

class Int8Stack extends RecurrentStack<ForwardKernels> {
  private xq = 0;
  private xs = 0;

  constructor(
    k: ForwardKernels,
    arena: Arena,
    spec: StackSpec,
    weights: LayerWeights[],
    readonly int8: { wih: ArenaInt8; whh: ArenaInt8 }[],
    private readonly inputStride: number,
  ) {
    super(k, arena, spec, weights);
  }

  override layout(batch: number, steps: number): void {
    super.layout(batch, steps);
    this.xq = this.arena.alloc((batch * steps * this.inputStride) / 2);
    this.xs = this.arena.alloc(batch * steps);
  }

  /** y (rows, n) = x (rows, H) . W^T, x quantized per row first. */
  product(y: number, x: number, rows: number, w: ArenaInt8): void {
    const H = this.spec.hidden;
    this.k.quantizeRows(this.xq, this.xs, x, H, rows, H, this.inputStride);
    this.k.qgemm(y, w.rows, this.xq, this.xs, rows, w.q, w.scale, w.rows, this.inputStride);
  }

  protected override projectInput(l: number, _w: LayerWeights, x: number, TB: number): void {
    const w = this.int8[l].wih;
    if (w.transposed) this.k.gatherQRows(this.xp, w.q, w.stride, w.scale, x, TB, w.cols);
    else this.product(this.xp, x, TB, w);
  }

  protected override projectRecurrent(l: number, _w: LayerWeights, hPrev: number): void {
    this.product(this.hp, hPrev, this.batch, this.int8[l].whh);
  }
}

export class Int8ForwardEngine extends WasmForwardEngine<ForwardKernels, Int8Stack> {
  /** Each layout entry's place: an int8 matrix (the weights) or f32 elements (the biases). */
  private readonly places: Map<ParamEntry, ArenaInt8 | number>;

  private constructor(
    config: ResolvedConfig,
    k: ForwardKernels,
    parts: ForwardParts,
    stack: Int8Stack,
    places: Map<ParamEntry, ArenaInt8 | number>,
    private readonly output: ArenaInt8,
    private readonly outputBias: number,
  ) {
    super(config, k, parts, stack);
    this.places = places;
  }

  /** An int8 engine for a validated config on any kernel module (all have the int8 kernels). */
  static async create(config: ResolvedConfig, wasm: WasmModule): Promise<Int8ForwardEngine> {
    const k = await instantiateKernels<ForwardKernels>(wasm);
    const arena = new Arena(k);
    const layout = modelLayout(config);
    const { layers: L, hidden: H, vocabSize: V, cell } = config;
    const GH = gateCount(cell) * H;
    const places = new Map<ParamEntry, ArenaInt8 | number>();
    const byName = new Map(layout.entries.map((e) => [e.name, e]));
    const place = (name: string, at: ArenaInt8 | number) => {
      places.set(byName.get(name)!, at);
      return at;
    };
    const int8: { wih: ArenaInt8; whh: ArenaInt8 }[] = [];
    const weights: LayerWeights[] = [];
    for (let l = 0; l < L; l++) {
      const inSize = l === 0 ? V : H;
      const wih = place(
        `rnn.weight_ih_l${l}`,
        l === 0 ? allocInt8(arena, inSize, GH, true) : allocInt8(arena, GH, inSize, false),
      ) as ArenaInt8;
      const whh = place(`rnn.weight_hh_l${l}`, allocInt8(arena, GH, H, false)) as ArenaInt8;
      int8.push({ wih, whh });
      const bih = place(`rnn.bias_ih_l${l}`, arena.alloc(GH)) as number;
      const bhh = place(`rnn.bias_hh_l${l}`, arena.alloc(GH)) as number;
      // The stack reads only the biases of these (no f32 copies, so it refreshes none): the products go
      // through `int8`, which write() lays out as the kernels read them.
      weights.push({ inSize, wih: 0, whh: 0, bih, bhh, wihT: 0, whhT: 0, wihW: 0, whhW: 0 });
    }
    const output = place('linear.weight', allocInt8(arena, V, H, false)) as ArenaInt8;
    const outputBias = place('linear.bias', arena.alloc(V)) as number;
    const spec = modelStackSpec(config);
    const stack = new Int8Stack(k, arena, spec, weights, int8, roundUp(H, 16));
    arena.mark();
    arena.commit();
    // No f32 parameter block or f32 weight copies (P, wlinT, wlinW): every read goes through `places`.
    const parts: ForwardParts = { arena, layout, P: 0, weights, wlinT: 0, wlinW: 0, spec, scratch: [] };
    return new Int8ForwardEngine(config, k, parts, stack, places, output, outputBias);
  }

  /**
   * A checkpoint's own int8 matrices, taken by the next write of each weight instead of quantizing the
   * f32 values given (their dequantization): a loaded file keeps its bits and is not quantized again.
   */
  private given = new Map<string, Int8Matrix>();

  override write(_buffer: 'params', offset: number, data: Float32Array): void {
    for (const e of this.layout.entries) {
      if (offset < e.offset || offset >= e.offset + e.size) continue;
      if (offset !== e.offset || data.length !== e.size) throw new Error('int8 engine writes whole tensors only');
      const at = this.places.get(e)!;
      if (typeof at === 'number') {
        this.arena.f32(at, e.size).set(data);
      } else {
        const m = this.given.get(e.name);
        this.given.delete(e.name);
        this.writeInt8(at, m ?? quantizeInt8(data, e.shape[0], e.shape[1], e.name));
      }
      return;
    }
  }

  /** The int8 matrices the next writes of these weights take as they are (see `given`). */
  take(weights: Record<string, Int8Matrix>): void {
    this.given = new Map(Object.entries(weights));
  }

  override async read(_buffers: 'params'[]): Promise<Float32Array[]> {
    const flat = new Float32Array(this.layout.total);
    for (const e of this.layout.entries) {
      const at = this.places.get(e)!;
      flat.set(typeof at === 'number' ? this.arena.f32(at, e.size) : dequantizeInt8(this.readInt8(at)), e.offset);
    }
    return [flat];
  }

  protected override projectOutput(rows: number): void {
    const { vocabSize: V } = this.config;
    this.stack.product(this.logits, this.stack.output(), rows, this.output);
    this.k.addRowBias(this.logits, this.outputBias, rows, V);
  }

  /** m (PyTorch's [rows, cols]) into `at`: row-padded, or transposed for the gather table. */
  private writeInt8(at: ArenaInt8, m: Int8Matrix): void {
    const [rows, cols] = m.shape;
    if (at.transposed) {
      const q = this.arena.i8(at.q, cols * at.stride);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) q[c * at.stride + r] = m.q[r * cols + c];
      this.arena.f32(at.scale, rows).set(m.scale);
      return;
    }
    const paddedRows = roundUp(rows, 4);
    const q = this.arena.i8(at.q, paddedRows * at.stride);
    q.fill(0);
    for (let r = 0; r < rows; r++) q.set(m.q.subarray(r * cols, (r + 1) * cols), r * at.stride);
    const scale = this.arena.f32(at.scale, paddedRows);
    scale.fill(0);
    scale.set(m.scale);
  }

  private readInt8(at: ArenaInt8): Int8Matrix {
    const [rows, cols] = at.transposed ? [at.cols, at.rows] : [at.rows, at.cols];
    const q = new Int8Array(rows * cols);
    const src = this.arena.i8(at.q, (at.transposed ? at.rows : roundUp(rows, 4)) * at.stride);
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) q[r * cols + c] = at.transposed ? src[c * at.stride + r] : src[r * at.stride + c];
    return { shape: [rows, cols], q, scale: this.arena.f32(at.scale, rows).slice() };
  }
}

/**
 * A forward-only model computing from int8 weights: `params` (f32) are quantized, except the matrices
 * `weights` gives (a checkpoint's own, whose dequantization `params` holds), which are written as they are.
 */
export async function createInt8ForwardModel(
  config: ResolvedConfig,
  params: StateDict,
  wasm: WasmModule,
  weights: Record<string, Int8Matrix> = {},
): Promise<ForwardModel> {
  const resolved = validateConfig(config);
  validateStateDict(params, resolved);
  const engine = await Int8ForwardEngine.create(resolved, wasm);
  engine.take(weights);
  return new ForwardModelCore(engine, params);
}
