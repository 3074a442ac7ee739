/**
 * An ONNX language model as a deeprnn checkpoint. Reads the graphs deeprnn exports and those that
 * torch.onnx.export writes for d2l's concise RNNModel: token ids -> OneHot (or an embedding Gather) ->
 * one LSTM/GRU/RNN op per layer -> Gemm or MatMul(+Add) -> logits, with the glue those writers emit
 * around it (Transpose, Cast, Squeeze, Reshape, Slice, Concat, Shape, Constant, ...).
 *
 * The importer does not run the graph: it follows the data path from the ids to the logits through the
 * layers and refuses (E_BAD_CHECKPOINT, naming the op and node) every op off that list and every
 * attribute that would make a layer compute something other than deeprnn's (bidirectional, peepholes,
 * clipping, other activations, GRU linear_before_reset = 0), so a file it accepts is a model it runs.
 */
import { readConfig, type Checkpoint } from '../../checkpoint/index.js';
import { badFile } from '../../checkpoint/safetensors.js';
import { gateCount } from '../../model/params.js';
import type { CellType, Nonlinearity, StateDict } from '../../model/types.js';
import { modelVocab, type VocabOption } from '../vocab.js';
import { FROM_ONNX, foldEmbedding, permuteBlocks, transpose } from '../weights.js';
import {
  decodeModel,
  tensorFloats,
  tensorInts,
  type OnnxAttribute,
  type OnnxNode,
  type OnnxTensor,
} from './onnx-proto.js';

export interface OnnxImportOptions {
  /** The vocabulary when the file has none in its metadata_props (torch.onnx.export writes none). */
  vocab?: VocabOption;
}

const CELLS: Record<string, CellType> = { LSTM: 'lstm', GRU: 'gru', RNN: 'rnn' };
/** Ops that pass their first input's values on, only reshaped or retyped. */
const PASS_THROUGH = new Set(['Squeeze', 'Unsqueeze', 'Reshape', 'Transpose', 'Cast', 'Identity']);
/** Ops that only compute shapes, constants and state slices around the data path. */
const GLUE = new Set([...PASS_THROUGH, 'Constant', 'Shape', 'Gather', 'Slice', 'Concat', 'OneHot']);
const HEAD = new Set(['Gemm', 'MatMul', 'Add']);
const DEFAULT_ACTIVATIONS: Record<CellType, string[]> = {
  lstm: ['sigmoid', 'tanh', 'tanh'],
  gru: ['sigmoid', 'tanh'],
  rnn: ['tanh'],
};

const describeNode = (n: OnnxNode) => `op '${n.opType}'${n.name ? ` (node '${n.name}')` : ''}`;

export function onnxToCheckpoint(bytes: Uint8Array, options: OnnxImportOptions = {}): Checkpoint {
  const model = decodeModel(bytes);
  const { graph } = model;
  const producer = new Map<string, OnnxNode>();
  const constants = new Map<string, OnnxTensor>(graph.initializer.map((t) => [t.name, t]));
  for (const n of graph.node) {
    if (n.domain !== '' && n.domain !== 'ai.onnx')
      throw badFile(`${describeNode(n)} is from the domain '${n.domain}'; deeprnn reads standard ONNX ops only`);
    if (!(n.opType in CELLS) && !GLUE.has(n.opType) && !HEAD.has(n.opType))
      throw badFile(
        `${describeNode(n)} is not one deeprnn can run: it imports ids -> OneHot or embedding -> LSTM/GRU/RNN layers -> linear graphs`,
      );
    for (const o of n.output) producer.set(o, n);
    if (n.opType === 'Constant') constants.set(n.output[0], constantValue(n));
  }
  const constant = (name: string, what: string): OnnxTensor => {
    let at = name;
    while (!constants.has(at) && producer.get(at)?.opType === 'Identity') at = producer.get(at)!.input[0];
    const t = constants.get(at);
    if (t === undefined) throw badFile(`${what} ('${name}') must be a constant, but the graph computes it`);
    return t;
  };
  /** The output a value is, looking through ops that only reshape or retype it, and the op that made it. */
  const trace = (name: string): { name: string; node?: OnnxNode } => {
    let at = name;
    for (let n = producer.get(at); n && PASS_THROUGH.has(n.opType); n = producer.get(at)) at = n.input[0];
    return { name: at, node: producer.get(at) };
  };

  const layers = graph.node.filter((n) => n.opType in CELLS);
  if (layers.length === 0) throw badFile('the ONNX graph has no LSTM, GRU or RNN op');
  const cell = CELLS[layers[0].opType];
  const other = layers.find((n) => n.opType !== layers[0].opType);
  if (other) throw badFile(`${describeNode(other)} mixes cell types: deeprnn stacks ${layers[0].opType} layers only`);
  const nonlinearity = activationOf(layers[0], cell);
  const G = gateCount(cell);
  const H = checkLayer(layers[0], cell, nonlinearity);

  const params: StateDict = {};
  let vocabSize = 0;
  layers.forEach((n, l) => {
    checkLayer(n, cell, nonlinearity, H);
    const what = describeNode(n);
    const W = constant(n.input[1], `the input weights W of ${what}`);
    const R = constant(n.input[2], `the recurrent weights R of ${what}`);
    expectDims(R, [1, G * H, H], `R of ${what}`);
    if (W.dims.length !== 3 || W.dims[0] !== 1 || W.dims[1] !== G * H)
      throw badFile(`W of ${what} has dims ${JSON.stringify(W.dims)}, expected [1, ${G * H}, input_size]`);
    let w = tensorFloats(W, `W of ${what}`);
    const from = trace(n.input[0]);
    if (l === 0) {
      const input = readInput(from.node, W.dims[2], constant, what);
      vocabSize = input.vocabSize;
      // An embedding E (vocab, D) before W (G*H, D) is the one-hot layer W E^T (G*H, vocab).
      if (input.embedding) w = foldEmbedding(input.embedding, vocabSize, W.dims[2], transpose(w, G * H, W.dims[2]));
    } else {
      if (from.name !== layers[l - 1].output[0])
        throw badFile(`${what} does not take the outputs of the layer before it; deeprnn runs a plain stack`);
      if (W.dims[2] !== H) throw badFile(`W of ${what} has input size ${W.dims[2]}, the layer below has ${H} units`);
    }
    const b = n.input[3]
      ? tensorFloats(constant(n.input[3], `B of ${what}`), `B of ${what}`)
      : new Float32Array(2 * G * H);
    if (b.length !== 2 * G * H) throw badFile(`B of ${what} holds ${b.length} values, expected [1, ${2 * G * H}]`);
    const order = FROM_ONNX[cell];
    params[`rnn.weight_ih_l${l}`] = { shape: [G * H, l === 0 ? vocabSize : H], data: permuteBlocks(w, order) };
    params[`rnn.weight_hh_l${l}`] = { shape: [G * H, H], data: permuteBlocks(tensorFloats(R, `R of ${what}`), order) };
    params[`rnn.bias_ih_l${l}`] = { shape: [G * H], data: permuteBlocks(b.subarray(0, G * H), order) };
    params[`rnn.bias_hh_l${l}`] = { shape: [G * H], data: permuteBlocks(b.subarray(G * H), order) };
  });
  Object.assign(params, readHead(graph.node, layers[layers.length - 1], H, vocabSize, constant, trace));

  const metadata = model.metadataProps;
  const config = { cell, nonlinearity, layers: layers.length, hidden: H, vocabSize, dropout: 0, seed: 0 };
  if (metadata.config !== undefined) {
    const saved = readConfig(metadata, Number.MAX_SAFE_INTEGER);
    for (const key of ['cell', 'nonlinearity', 'layers', 'hidden', 'vocabSize'] as const)
      if (saved[key] !== config[key])
        throw badFile(`metadata config says ${key} ${saved[key]}, but the graph has ${config[key]}`);
    Object.assign(config, { dropout: saved.dropout, seed: saved.seed });
  }
  const { vocab, text } = modelVocab(metadata, vocabSize, options.vocab, 'this ONNX model');
  return { config, vocab, text, params };
}

function constantValue(n: OnnxNode): OnnxTensor {
  const value = n.attribute.find((a) => a.name === 'value');
  if (value?.t === undefined)
    throw badFile(`${describeNode(n)}: only Constant nodes with a 'value' tensor are supported`);
  return value.t;
}

const attr = (n: OnnxNode, name: string): OnnxAttribute | undefined => n.attribute.find((a) => a.name === name);

function activationOf(n: OnnxNode, cell: CellType): Nonlinearity {
  const given = (attr(n, 'activations')?.strings ?? DEFAULT_ACTIVATIONS[cell]).map((s) => s.toLowerCase());
  if (cell === 'rnn' && given.length === 1 && (given[0] === 'tanh' || given[0] === 'relu')) return given[0];
  if (cell !== 'rnn' && given.join() === DEFAULT_ACTIVATIONS[cell].join()) return 'tanh';
  throw badFile(
    `${describeNode(n)} uses activations ${JSON.stringify(given)}; deeprnn runs ${cell === 'rnn' ? "['tanh'] or ['relu']" : JSON.stringify(DEFAULT_ACTIVATIONS[cell])}`,
  );
}

/** Checks the attributes and optional inputs of one layer; returns its hidden size. */
function checkLayer(n: OnnxNode, cell: CellType, nonlinearity: Nonlinearity, hidden?: number): number {
  const what = describeNode(n);
  if (activationOf(n, cell) !== nonlinearity) throw badFile(`${what} uses another activation than the first layer`);
  const H = attr(n, 'hidden_size')?.i;
  if (H === undefined || !(H > 0)) throw badFile(`${what} has no valid hidden_size attribute`);
  if (hidden !== undefined && H !== hidden)
    throw badFile(`${what} has hidden_size ${H}, the first layer ${hidden}: deeprnn's layers have one size`);
  const direction = attr(n, 'direction')?.s ?? 'forward';
  if (direction !== 'forward') throw badFile(`${what} runs direction '${direction}'; deeprnn runs forward layers only`);
  if (attr(n, 'clip') !== undefined) throw badFile(`${what} clips its cell inputs (clip), which deeprnn does not`);
  if (attr(n, 'activation_alpha') || attr(n, 'activation_beta'))
    throw badFile(`${what} has activation_alpha/beta, which deeprnn's activations do not take`);
  if ((attr(n, 'layout')?.i ?? 0) !== 0) throw badFile(`${what} has layout 1 (batch-major); deeprnn reads layout 0`);
  if ((attr(n, 'input_forget')?.i ?? 0) !== 0)
    throw badFile(`${what} couples the input and forget gates (input_forget)`);
  if (cell === 'gru' && (attr(n, 'linear_before_reset')?.i ?? 0) !== 1)
    throw badFile(
      `${what} has linear_before_reset = 0 (the reset gate applied before the recurrent product), which is not the GRU deeprnn runs (PyTorch's: linear_before_reset = 1)`,
    );
  if (n.input[4]) throw badFile(`${what} takes sequence_lens (padded batches), which deeprnn does not`);
  if (cell === 'lstm' && n.input[7]) throw badFile(`${what} has peephole weights P, which deeprnn's LSTM does not`);
  return H;
}

function expectDims(t: OnnxTensor, dims: number[], what: string): void {
  if (t.dims.length !== dims.length || t.dims.some((d, i) => d !== dims[i]))
    throw badFile(`${what} has dims ${JSON.stringify(t.dims)}, expected ${JSON.stringify(dims)}`);
}

type Constant = (name: string, what: string) => OnnxTensor;

/** What feeds the first layer: a one-hot of the ids (its depth is the vocabulary) or an embedding lookup. */
function readInput(
  from: OnnxNode | undefined,
  inputSize: number,
  constant: Constant,
  layer: string,
): { vocabSize: number; embedding?: Float32Array } {
  if (from?.opType === 'OneHot') {
    const depth = tensorInts(constant(from.input[1], 'the OneHot depth'), 'the OneHot depth');
    const values = tensorInts(constant(from.input[2], 'the OneHot values'), 'the OneHot values');
    const axis = attr(from, 'axis')?.i ?? -1;
    if (depth.length !== 1 || values.join() !== '0,1' || (axis !== -1 && axis !== 2))
      throw badFile(`${describeNode(from)} must one-hot the ids on the last axis with values [0, 1]`);
    if (depth[0] !== inputSize)
      throw badFile(`${describeNode(from)} has depth ${depth[0]} but ${layer} takes inputs of size ${inputSize}`);
    return { vocabSize: depth[0] };
  }
  if (from?.opType === 'Gather') {
    const table = constant(from.input[0], `the embedding table of ${describeNode(from)}`);
    if (table.dims.length !== 2 || table.dims[1] !== inputSize || (attr(from, 'axis')?.i ?? 0) !== 0)
      throw badFile(`${describeNode(from)} must look up rows of a (vocab, ${inputSize}) embedding table`);
    return { vocabSize: table.dims[0], embedding: tensorFloats(table, 'the embedding table') };
  }
  throw badFile(
    `the first layer's input comes from ${from ? describeNode(from) : 'a graph input'}, not a OneHot or embedding (Gather) of the token ids`,
  );
}

/** linear.weight (V, H) and linear.bias (V) from the Gemm, or MatMul + Add, that reads the last layer. */
function readHead(
  nodes: OnnxNode[],
  last: OnnxNode,
  H: number,
  V: number,
  constant: Constant,
  trace: (name: string) => { name: string },
): StateDict {
  const heads = nodes.filter(
    (n) => (n.opType === 'Gemm' || n.opType === 'MatMul') && trace(n.input[0]).name === last.output[0],
  );
  if (heads.length !== 1)
    throw badFile(`expected one Gemm or MatMul reading the last layer's outputs, found ${heads.length}`);
  const head = heads[0];
  const what = describeNode(head);
  const W = constant(head.input[1], `the weights of ${what}`);
  let weight = tensorFloats(W, `the weights of ${what}`);
  let biasName = head.input[2];
  const used = new Set([head]);
  if (head.opType === 'Gemm') {
    const transB = attr(head, 'transB')?.i ?? 0;
    if (
      (attr(head, 'transA')?.i ?? 0) !== 0 ||
      (attr(head, 'alpha')?.f ?? 1) !== 1 ||
      (attr(head, 'beta')?.f ?? 1) !== 1
    )
      throw badFile(`${what} must compute A B (+ C) with alpha = beta = 1 and A untransposed`);
    expectDims(W, transB ? [V, H] : [H, V], `the weights of ${what}`);
    if (!transB) weight = transpose(weight, H, V);
  } else {
    expectDims(W, [H, V], `the weights of ${what}`);
    weight = transpose(weight, H, V);
    const add = nodes.find((n) => n.opType === 'Add' && n.input.includes(head.output[0]));
    if (add) {
      biasName = add.input[0] === head.output[0] ? add.input[1] : add.input[0];
      used.add(add);
    }
  }
  for (const n of nodes)
    if (HEAD.has(n.opType) && !used.has(n))
      throw badFile(`${describeNode(n)} computes something beyond the linear output layer, which deeprnn cannot run`);
  const bias = biasName
    ? tensorFloats(constant(biasName, `the bias of ${what}`), `the bias of ${what}`)
    : new Float32Array(V);
  if (bias.length !== V) throw badFile(`the bias of ${what} holds ${bias.length} values, expected ${V}`);
  return { 'linear.weight': { shape: [V, H], data: weight }, 'linear.bias': { shape: [V], data: bias } };
}
