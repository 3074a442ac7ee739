/**
 * A TensorFlow.js / Keras layers model (model.json + its weight files, as `model.save('file://...')` or
 * tensorflowjs_converter writes them) as a deeprnn checkpoint:
 *
 *   [InputLayer] [Embedding] (LSTM | GRU | SimpleRNN)+ Dense | TimeDistributed(Dense) [Activation]
 *
 * with Dropout anywhere (inference ignores it). Without an Embedding the first layer takes one-hot
 * vectors, exactly deeprnn's input; an Embedding E is folded into the first layer (W_ih = (E K)^T).
 * Keras stores kernels (input, G*H) with gates LSTM i,f,c,o and GRU z,r,h, one bias per layer (LSTM,
 * SimpleRNN: b_hh = 0) or, for a GRU with reset_after = true, two (input and recurrent), which is
 * PyTorch's GRU. A GRU with reset_after = false (Keras 1, and the only GRU TF.js builds) applies the reset
 * gate before the recurrent product; deeprnn's kernels compute the other form, so it is refused.
 * Every other layer, activation or option that would change what the model computes is E_BAD_CHECKPOINT
 * naming it.
 */
import type { Checkpoint } from '../../checkpoint/index.js';
import { badFile } from '../../checkpoint/safetensors.js';
import { gateCount } from '../../model/params.js';
import type { CellType, Nonlinearity, StateDict } from '../../model/types.js';
import { modelVocab, type VocabOption } from '../vocab.js';
import { FROM_KERAS, foldEmbedding, permuteBlocks, transpose } from '../weights.js';

export interface TfjsImportOptions {
  /** The vocabulary when model.json has none (userDefinedMetadata.deeprnn.vocab). */
  vocab?: VocabOption;
}

interface KerasLayer {
  className: string;
  name: string;
  config: Record<string, unknown>;
}

interface WeightSpec {
  name: string;
  shape: number[];
  data: Float32Array;
}

const CELLS: Record<string, CellType> = { LSTM: 'lstm', GRU: 'gru', SimpleRNN: 'rnn' };
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const describe = (l: KerasLayer) => `${l.className} layer '${l.name}'`;

/** The weight specs of a model.json (weightsManifest groups) or of tf.io ModelArtifacts (weightSpecs). */
export function weightSpecsOf(json: Record<string, unknown>): Array<{ name: string; shape: number[]; dtype: string }> {
  if (Array.isArray(json.weightsManifest))
    return json.weightsManifest.flatMap((g) => (isObject(g) && Array.isArray(g.weights) ? g.weights : []));
  if (Array.isArray(json.weightSpecs)) return json.weightSpecs;
  throw badFile('model.json has no weightsManifest (nor weightSpecs)');
}

export function tfjsToCheckpoint(json: unknown, weights: Uint8Array, options: TfjsImportOptions = {}): Checkpoint {
  if (!isObject(json) || !isObject(json.modelTopology))
    throw badFile('not a TensorFlow.js layers model: model.json has no modelTopology');
  const layers = readLayers(json.modelTopology);
  const specs = readWeights(weightSpecsOf(json), weights);
  const take = (layer: KerasLayer, variable: string, shape: number[] | null): Float32Array | null => {
    const names = new Set([layer.name, ...(isObject(layer.config.layer) ? [String(innerName(layer))] : [])]);
    const i = specs.findIndex(
      (s) => s.name.split('/').slice(-1)[0] === variable && s.name.split('/').some((p) => names.has(p)),
    );
    if (i < 0) return null;
    const [spec] = specs.splice(i, 1);
    if (shape && (spec.shape.length !== shape.length || spec.shape.some((d, k) => d !== shape[k])))
      throw badFile(`weight '${spec.name}' has shape ${JSON.stringify(spec.shape)}, expected ${JSON.stringify(shape)}`);
    return spec.data;
  };
  const need = (layer: KerasLayer, variable: string, shape: number[]): Float32Array => {
    const data = take(layer, variable, shape);
    if (data === null) throw badFile(`${describe(layer)} has no '${variable}' weight in the manifest`);
    return data;
  };

  let at = 0;
  let embedding: { table: Float32Array; vocab: number; dim: number } | null = null;
  if (layers[at]?.className === 'Embedding') {
    const e = layers[at++];
    if (e.config.mask_zero === true)
      throw badFile(`${describe(e)} has mask_zero: masked (padded) steps are not something deeprnn's layers skip`);
    const vocab = size(e, 'input_dim');
    const dim = size(e, 'output_dim');
    embedding = { table: need(e, 'embeddings', [vocab, dim]), vocab, dim };
  }
  const rnns: KerasLayer[] = [];
  while (layers[at] && layers[at].className in CELLS) rnns.push(layers[at++]);
  if (rnns.length === 0)
    throw badFile(
      `expected LSTM, GRU or SimpleRNN layers${embedding ? ' after the Embedding' : ''}, found ${layers[at] ? describe(layers[at]) : 'none'}`,
    );
  const head = layers[at++];
  if (!head || !isDense(head))
    throw badFile(`expected a Dense layer after the recurrent layers, found ${head ? describe(head) : 'none'}`);
  const isOutputActivation = (l: KerasLayer) =>
    l.className === 'Activation' && ['linear', 'softmax'].includes(String(l.config.activation));
  if (layers[at] && isOutputActivation(layers[at])) at++;
  if (layers[at])
    throw badFile(
      `${describe(layers[at])} after the Dense head is not something deeprnn runs (its logits end the model)`,
    );

  const cell = CELLS[rnns[0].className];
  const H = size(rnns[0], 'units');
  const G = gateCount(cell);
  const nonlinearity = checkRnn(rnns[0], cell, H, true);
  const params: StateDict = {};
  let vocabSize = embedding?.vocab ?? 0;
  rnns.forEach((layer, l) => {
    checkRnn(layer, cell, H, l === rnns.length - 1, nonlinearity);
    let inputSize = l === 0 ? (embedding?.dim ?? kernelRows(specs, layer)) : H;
    if (l === 0 && !embedding) vocabSize = inputSize;
    const kernel = need(layer, 'kernel', [inputSize, G * H]);
    const wih =
      l === 0 && embedding
        ? foldEmbedding(embedding.table, vocabSize, inputSize, kernel)
        : transpose(kernel, inputSize, G * H);
    inputSize = l === 0 ? vocabSize : H;
    const order = FROM_KERAS[cell];
    const twoBiases = cell === 'gru';
    const bias = layer.config.use_bias === false ? null : need(layer, 'bias', twoBiases ? [2, G * H] : [G * H]);
    params[`rnn.weight_ih_l${l}`] = { shape: [G * H, inputSize], data: permuteBlocks(wih, order) };
    params[`rnn.weight_hh_l${l}`] = {
      shape: [G * H, H],
      data: permuteBlocks(transpose(need(layer, 'recurrent_kernel', [H, G * H]), H, G * H), order),
    };
    const bih = bias ? bias.subarray(0, G * H) : new Float32Array(G * H);
    const bhh = bias && twoBiases ? bias.subarray(G * H) : new Float32Array(G * H);
    params[`rnn.bias_ih_l${l}`] = { shape: [G * H], data: permuteBlocks(bih, order) };
    params[`rnn.bias_hh_l${l}`] = { shape: [G * H], data: permuteBlocks(bhh, order) };
  });

  const dense = isObject(head.config.layer) ? innerLayer(head) : head;
  const V = size(dense, 'units');
  if (V !== vocabSize)
    throw badFile(
      `${describe(head)} has ${V} outputs but the model reads ${vocabSize} tokens: deeprnn predicts its own vocabulary`,
    );
  if (!['linear', 'softmax', undefined].includes(dense.config.activation as string | undefined))
    throw badFile(
      `${describe(head)} has activation '${String(dense.config.activation)}'; deeprnn's head is linear (logits) or softmax`,
    );
  params['linear.weight'] = { shape: [V, H], data: transpose(need(head, 'kernel', [H, V]), H, V) };
  params['linear.bias'] = {
    shape: [V],
    data: dense.config.use_bias === false ? new Float32Array(V) : need(head, 'bias', [V]),
  };
  if (specs.length > 0) throw badFile(`weight '${specs[0].name}' belongs to no layer deeprnn reads`);

  const meta =
    isObject(json.userDefinedMetadata) && isObject(json.userDefinedMetadata.deeprnn)
      ? json.userDefinedMetadata.deeprnn
      : {};
  const metadata: Record<string, string> = {};
  for (const key of ['vocab', 'text']) if (meta[key] !== undefined) metadata[key] = JSON.stringify(meta[key]);
  const { vocab, text } = modelVocab(metadata, vocabSize, options.vocab, 'this TF.js model');
  const config = { cell, nonlinearity, layers: rnns.length, hidden: H, vocabSize, dropout: 0, seed: 0 };
  return { config, vocab, text, params };
}

/** The layers in order, from a Sequential or a functional model whose layers form one chain. */
function readLayers(topology: Record<string, unknown>): KerasLayer[] {
  const model = isObject(topology.model_config) ? topology.model_config : topology;
  const config = model.config;
  const raw = Array.isArray(config) ? config : isObject(config) && Array.isArray(config.layers) ? config.layers : null;
  if (raw === null) throw badFile(`model.json's ${String(model.class_name)} model has no layer list`);
  const layers = raw.map((l, i): KerasLayer => {
    if (!isObject(l) || typeof l.class_name !== 'string' || !isObject(l.config))
      throw badFile(`model.json layer ${i} is not {class_name, config}`);
    return { className: l.class_name, name: String(l.config.name ?? l.name ?? `#${i}`), config: l.config };
  });
  if (model.class_name !== 'Sequential') {
    // A functional model: every layer must read the one before it.
    raw.forEach((l, i) => {
      const inbound = JSON.stringify((l as Record<string, unknown>).inbound_nodes ?? []);
      if (i > 0 && !inbound.includes(JSON.stringify(layers[i - 1].name)))
        throw badFile(
          `${describe(layers[i])} does not read the layer before it: deeprnn imports a plain chain of layers`,
        );
    });
  }
  return layers.filter((l) => l.className !== 'InputLayer' && l.className !== 'Dropout');
}

/** A layer's size field (units, input_dim, ...), which must be a positive integer. */
function size(l: KerasLayer, key: string): number {
  const v = l.config[key];
  if (!Number.isSafeInteger(v) || (v as number) <= 0)
    throw badFile(`${describe(l)} has ${key} ${JSON.stringify(v) ?? 'missing'}, not a positive integer`);
  return v as number;
}

function innerLayer(wrapper: KerasLayer): KerasLayer {
  const inner = wrapper.config.layer as Record<string, unknown>;
  const config = isObject(inner.config) ? inner.config : {};
  return { className: String(inner.class_name), name: String(config.name ?? ''), config };
}

const innerName = (wrapper: KerasLayer) => innerLayer(wrapper).name;

function isDense(l: KerasLayer): boolean {
  return l.className === 'Dense' || (l.className === 'TimeDistributed' && innerLayer(l).className === 'Dense');
}

/** Rows of a layer's kernel (its input size) as the manifest states it. */
function kernelRows(specs: WeightSpec[], layer: KerasLayer): number {
  const s = specs.find((w) => w.name.split('/').slice(-1)[0] === 'kernel' && w.name.split('/').includes(layer.name));
  if (s?.shape.length !== 2) throw badFile(`${describe(layer)} has no 2-D 'kernel' weight in the manifest`);
  return s.shape[0];
}

/** Checks that a recurrent layer computes what deeprnn's does; returns its nonlinearity. */
function checkRnn(l: KerasLayer, cell: CellType, H: number, last: boolean, first?: Nonlinearity): Nonlinearity {
  const c = l.config;
  if (CELLS[l.className] !== cell) throw badFile(`${describe(l)} mixes cell types: deeprnn stacks one kind of layer`);
  if (Number(c.units) !== H)
    throw badFile(`${describe(l)} has ${String(c.units)} units, the first layer ${H}: deeprnn's layers have one size`);
  if (c.go_backwards === true) throw badFile(`${describe(l)} runs backwards (go_backwards), deeprnn forwards only`);
  if (c.time_major === true) throw badFile(`${describe(l)} is time_major, which deeprnn's importer does not read`);
  if (!last && c.return_sequences === false)
    throw badFile(`${describe(l)} returns only its last step to the next layer`);
  const activation = String(c.activation ?? 'tanh');
  if (cell !== 'rnn' && String(c.recurrent_activation) !== 'sigmoid')
    throw badFile(
      `${describe(l)} has recurrent_activation '${String(c.recurrent_activation)}'; deeprnn's gates use the logistic 'sigmoid' (PyTorch's)`,
    );
  if (cell === 'gru' && c.reset_after !== true)
    throw badFile(
      `${describe(l)} has reset_after = false: its reset gate multiplies h before the recurrent product (Keras 1 / TF.js GRU), which is not the GRU deeprnn runs (PyTorch's, Keras reset_after = true)`,
    );
  const ok = cell === 'rnn' ? activation === 'tanh' || activation === 'relu' : activation === 'tanh';
  if (!ok)
    throw badFile(
      `${describe(l)} has activation '${activation}'; deeprnn runs ${cell === 'rnn' ? 'tanh or relu' : 'tanh'}`,
    );
  const nonlinearity = activation as Nonlinearity;
  if (first !== undefined && nonlinearity !== first)
    throw badFile(`${describe(l)} uses another activation than the first layer`);
  return nonlinearity;
}

/** Slices the weight bytes by the manifest (float32 only, concatenated in order), checking the total. */
function readWeights(specs: Array<{ name: string; shape: number[]; dtype: string }>, bytes: Uint8Array): WeightSpec[] {
  const out: WeightSpec[] = [];
  let offset = 0;
  for (const s of specs) {
    if (!isObject(s) || typeof s.name !== 'string' || !Array.isArray(s.shape))
      throw badFile('a weightsManifest entry is not {name, shape, dtype}');
    if ((s as Record<string, unknown>).quantization !== undefined)
      throw badFile(`weight '${s.name}' is quantized; deeprnn reads float32 weights`);
    if ((s.dtype ?? 'float32') !== 'float32')
      throw badFile(`weight '${s.name}' has dtype ${s.dtype}; deeprnn reads float32`);
    const count = s.shape.reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(count) || count < 0)
      throw badFile(`weight '${s.name}' has a bad shape ${JSON.stringify(s.shape)}`);
    if (offset + 4 * count > bytes.length)
      throw badFile(
        `the weight files hold ${bytes.length} bytes, fewer than the manifest needs (truncated or the wrong file?)`,
      );
    const view = new DataView(bytes.buffer, bytes.byteOffset + offset, 4 * count);
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(4 * i, true);
    out.push({ name: s.name, shape: [...s.shape], data });
    offset += 4 * count;
  }
  if (offset !== bytes.length)
    throw badFile(`the weight files hold ${bytes.length} bytes but the manifest describes ${offset}`);
  return out;
}
