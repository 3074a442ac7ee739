import type { ModelConfig, ResolvedConfig, StateDict, Tensor } from './types.js';

/** Gate blocks stacked in the rows of each weight: 1 rnn, 3 gru (r,z,n), 4 lstm (i,f,g,o) - PyTorch order. */
export function gateCount(cell: ResolvedConfig['cell']): number {
  return cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1;
}

/** Parameter names and shapes in d2l RNNModel state_dict order. */
export function parameterShapes(config: ResolvedConfig): Array<[string, number[]]> {
  const { layers, hidden: H, vocabSize: V } = config;
  const G = gateCount(config.cell);
  const shapes: Array<[string, number[]]> = [];
  for (let l = 0; l < layers; l++) {
    const inputSize = l === 0 ? V : H;
    shapes.push([`rnn.weight_ih_l${l}`, [G * H, inputSize]]);
    shapes.push([`rnn.weight_hh_l${l}`, [G * H, H]]);
    shapes.push([`rnn.bias_ih_l${l}`, [G * H]]);
    shapes.push([`rnn.bias_hh_l${l}`, [G * H]]);
  }
  shapes.push(['linear.weight', [V, H]]);
  shapes.push(['linear.bias', [V]]);
  return shapes;
}

/** How many parameters `parameterShapes(config)` holds, by arithmetic (no shapes are built). */
export function parameterCount(config: Pick<ResolvedConfig, 'cell' | 'layers' | 'hidden' | 'vocabSize'>): number {
  const { layers: L, hidden: H, vocabSize: V } = config;
  const GH = gateCount(config.cell) * H;
  return GH * V + (L - 1) * GH * H + L * (GH * H + 2 * GH) + V * H + V;
}

export function resolveConfig(config: ModelConfig): ResolvedConfig {
  return {
    cell: config.cell,
    nonlinearity: config.nonlinearity ?? 'tanh',
    layers: config.layers,
    hidden: config.hidden,
    vocabSize: config.vocabSize,
    dropout: config.dropout ?? 0,
    seed: config.seed ?? 0,
  };
}

/**
 * A 32-bit integer mixer (Chris Wellons' lowbias32). It is the one source of randomness shared by both
 * backends and the host, so dropout masks and initial weights are the same everywhere.
 */
export function mix32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** Uniform in [0, 1) with 24 random bits from a (stream, index) counter: exact in float32. */
export function counterUniform(stream: number, index: number): number {
  return (mix32((index ^ mix32(stream)) >>> 0) >>> 8) / 16777216;
}

/**
 * Dropout keep-mask uniform for element `index` ((t*B + b)*H + j) of layer `layer`'s output at optimizer
 * step `step`: keep when u >= p, scaling kept values by 1/(1-p). Both backends implement exactly this.
 */
export function dropoutUniform(seed: number, step: number, layer: number, index: number): number {
  const stream = mix32((layer ^ mix32((step ^ mix32(seed >>> 0)) >>> 0)) >>> 0);
  return (mix32((index ^ stream) >>> 0) >>> 8) / 16777216;
}

/**
 * PyTorch's default initialization for nn.RNN/GRU/LSTM and (as d2l's concise model keeps it) for the
 * output layer's weights too: uniform(-1/sqrt(H), 1/sqrt(H)), drawn from the seeded counter stream so
 * that every backend starts from the same numbers. (PyTorch's Linear uses 1/sqrt(in_features) = 1/sqrt(H).)
 */
export function initParameters(config: ResolvedConfig): StateDict {
  const bound = 1 / Math.sqrt(config.hidden);
  const dict: StateDict = {};
  let stream = mix32((config.seed ^ 0x5eed1234) >>> 0);
  for (const [name, shape] of parameterShapes(config)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    for (let i = 0; i < size; i++) data[i] = (2 * counterUniform(stream, i) - 1) * bound;
    dict[name] = { shape: [...shape], data } satisfies Tensor;
    stream = mix32((stream + 1) >>> 0);
  }
  return dict;
}
