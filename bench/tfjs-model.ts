/**
 * The d2l §9.3 character model written the way a TensorFlow.js user would: stacked Keras-style recurrent
 * layers (tf.layers.lstm / gru / simpleRNN) on one-hot inputs and a dense head, trained with a custom
 * loop (tf.variableGrads, global-norm clipping by hand since tfjs optimizers have no clipnorm, SGD), the
 * state carried between sequential batches as d2l does, and greedy batch-1 generation one char at a time.
 * Only bench/ uses it: it is the baseline the deeprnn numbers are compared with.
 */
import * as tf from '@tensorflow/tfjs';
import type { CellType } from '../src/model/types.js';

export interface TfjsConfig {
  cell: CellType;
  vocabSize: number;
  hidden: number;
  layers: number;
}

type State = tf.Tensor[]; // one layer: [h] or [h, c], each (batch, hidden)

export class TfjsCharModel {
  private readonly rnns: tf.layers.Layer[];
  private readonly head: tf.layers.Layer;
  private readonly optimizer: tf.SGDOptimizer;
  private carried: State[] | null = null;
  private lossSum: tf.Scalar | null = null;
  private steps = 0;
  private eye: tf.Tensor2D | null = null;

  constructor(
    readonly config: TfjsConfig,
    lr: number,
  ) {
    const { cell, hidden: units, layers } = config;
    const make = cell === 'lstm' ? tf.layers.lstm : cell === 'gru' ? tf.layers.gru : tf.layers.simpleRNN;
    this.rnns = Array.from({ length: layers }, () => make({ units, returnSequences: true, returnState: true }));
    this.head = tf.layers.dense({ units: config.vocabSize });
    this.optimizer = tf.train.sgd(lr);
    // Layers create their weights on first call; variableGrads only sees variables that exist already.
    tf.tidy(() => {
      this.forward(tf.zeros([1, 1, config.vocabSize]) as tf.Tensor3D, null);
    });
  }

  /** logits (B, T, V) from one-hot x (B, T, V), and each layer's final state. */
  private forward(x: tf.Tensor3D, states: State[] | null): { logits: tf.Tensor3D; states: State[] } {
    let h: tf.Tensor = x;
    const out: State[] = [];
    this.rnns.forEach((rnn, l) => {
      const kwargs = states ? { initialState: states[l] } : {};
      const [seq, ...final] = rnn.apply(h, kwargs) as tf.Tensor[];
      h = seq;
      out.push(final);
    });
    return { logits: this.head.apply(h) as tf.Tensor3D, states: out };
  }

  private oneHot(ids: Int32Array, batch: number, steps: number): tf.Tensor3D {
    // Rows of an identity matrix rather than tf.oneHot: on the wasm backend tf.oneHot(..., 'float32')
    // writes the int32 bits (1.4e-45 for 1, so a loss of 0), and its int32 default then cast breaks
    // tfjs-webgpu (an int32 transpose shader that Dawn's WGSL compiler rejects).
    this.eye ??= tf.keep(tf.eye(this.config.vocabSize));
    return tf.gather(this.eye, tf.tensor2d(ids, [batch, steps], 'int32')) as tf.Tensor as tf.Tensor3D;
  }

  resetState(): void {
    for (const t of this.carried?.flat() ?? []) t.dispose();
    this.carried = null;
  }

  /**
   * One SGD step on (x, y), ids (batch, steps) row-major, from the carried state (detached: it enters as
   * a constant), with gradients scaled by min(1, clip / global norm). The loss stays on the device.
   */
  trainStep(x: Int32Array, y: Int32Array, batch: number, steps: number, clip: number): void {
    let next: State[] = [];
    tf.tidy(() => {
      const xs = this.oneHot(x, batch, steps);
      const ys = this.oneHot(y, batch, steps);
      const { value, grads } = tf.variableGrads(() => {
        const { logits, states } = this.forward(xs, this.carried);
        next = states.map((s) => s.map((t) => tf.keep(t)));
        return tf.losses.softmaxCrossEntropy(ys, logits) as tf.Scalar;
      });
      const gs = Object.values(grads);
      const norm = tf.sqrt(gs.map((g) => tf.sum(tf.square(g))).reduce((a, b) => tf.add(a, b)));
      const scale = tf.minimum(1, tf.div(clip, norm));
      const clipped: tf.NamedTensorMap = {};
      for (const [name, g] of Object.entries(grads)) clipped[name] = tf.mul(g, scale);
      this.optimizer.applyGradients(clipped);
      const sum = this.lossSum ? tf.add(this.lossSum, value) : value;
      this.lossSum?.dispose();
      this.lossSum = tf.keep(sum) as tf.Scalar;
    });
    this.resetState();
    this.carried = next;
    this.steps++;
  }

  /** Mean loss over the steps since the last call (one readback). */
  async readLoss(): Promise<number> {
    if (!this.lossSum) return NaN;
    const sum = (await this.lossSum.data())[0];
    this.lossSum.dispose();
    this.lossSum = null;
    const mean = sum / this.steps;
    this.steps = 0;
    return mean;
  }

  /**
   * One step of batch 1 through the layers' cells (the RNN layer's sequence loop costs more than the
   * step itself for T = 1): x (1, V) -> logits (1, V), each layer's state replaced.
   */
  private step(x: tf.Tensor2D, states: State[]): { logits: tf.Tensor2D; states: State[] } {
    let h: tf.Tensor = x;
    const out: State[] = [];
    this.rnns.forEach((rnn, l) => {
      const [y, ...s] = (rnn as unknown as { cell: tf.layers.Layer }).cell.call([h, ...states[l]], {}) as tf.Tensor[];
      h = y;
      out.push(s);
    });
    return { logits: this.head.apply(h) as tf.Tensor2D, states: out };
  }

  /** d2l predict_ch8: warm up on the prefix from a zero state, then `length` greedy steps of batch 1. */
  async generate(prefix: Int32Array, length: number): Promise<Int32Array> {
    const out = new Int32Array(length);
    let states: State[] = [];
    let next = tf.tidy(() => {
      const { logits, states: s } = this.forward(this.oneHot(prefix, 1, prefix.length), null);
      states = s.map((st) => st.map((t) => tf.keep(t)));
      return tf.argMax(logits.slice([0, prefix.length - 1, 0], [1, 1, -1]).reshape([1, -1]), -1);
    });
    for (let i = 0; i < length; i++) {
      // The user needs the character to print it and feed it back (async: tfjs-webgpu has no fast readSync).
      out[i] = (await next.data())[0];
      next.dispose();
      if (i + 1 === length) break;
      const prev = states;
      next = tf.tidy(() => {
        const x = this.oneHot(out.subarray(i, i + 1), 1, 1).reshape([1, -1]) as tf.Tensor2D;
        const { logits, states: s } = this.step(x, prev);
        states = s.map((st) => st.map((t) => tf.keep(t)));
        return tf.argMax(logits, -1);
      });
      for (const t of prev.flat()) t.dispose();
    }
    for (const t of states.flat()) t.dispose();
    return out;
  }

  /** Tensors alive in the engine (a leak check for the harness). */
  static liveTensors(): number {
    return tf.memory().numTensors;
  }

  dispose(): void {
    this.resetState();
    this.lossSum?.dispose();
    this.eye?.dispose();
    for (const l of this.rnns) l.dispose();
    this.head.dispose();
    this.optimizer.dispose();
  }
}

/** Selects a tfjs backend; the wasm and webgpu backends are imported only when asked for. */
export async function useTfjsBackend(name: 'wasm' | 'webgpu' | 'cpu'): Promise<string> {
  if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  if (name === 'webgpu') {
    // tfjs-webgpu reads navigator.gpu and the GPU* constants as a browser has them; in Node, Dawn's
    // `webgpu` package (the one deeprnn uses) provides both.
    const dawn = await import('webgpu');
    Object.assign(globalThis, dawn.globals);
    const g = globalThis as unknown as { navigator?: { gpu?: GPU } };
    if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
    g.navigator!.gpu = dawn.create([]);
    await import('@tensorflow/tfjs-backend-webgpu');
  }
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend ${name} failed to initialize`);
  await tf.ready();
  if (name === 'wasm') {
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    return `tfjs ${tf.version.tfjs} wasm (SIMD ${simd ? 'on' : 'off'}, threads ${threads ? 'on' : 'off'})`;
  }
  return `tfjs ${tf.version.tfjs} ${name}`;
}
