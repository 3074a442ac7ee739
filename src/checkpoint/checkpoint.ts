/**
 * deeprnn checkpoints: one safetensors file per model, readable and writable from PyTorch.
 *
 * Tensors (F32, little-endian):
 *   rnn.weight_ih_l<k>, rnn.weight_hh_l<k>, rnn.bias_ih_l<k>, rnn.bias_hh_l<k>, linear.weight, linear.bias
 *       the parameters under d2l RNNModel state_dict names and PyTorch shapes (src/model/params.ts).
 *   optimizer.adam.m.<param>, optimizer.adam.v.<param>     training checkpoints that used Adam: moments.
 *   state.h, state.c                                         training checkpoints: the carried state,
 *                                                            (layers, batch, hidden); c for LSTM only.
 *
 * `__metadata__` (every value a string, as safetensors requires):
 *   format    "deeprnn"                              optional for files written by other tools
 *   version   "1"                                    optional likewise; any other value is refused
 *   config    {"cell": "lstm"|"gru"|"rnn", "nonlinearity": "tanh"|"relu", "layers": int, "hidden": int,
 *              "vocab_size": int, "dropout": number}  nonlinearity and dropout may be omitted (tanh, 0)
 *   vocab     ["<unk>", ...]                         the tokens in index order, vocab_size of them
 *   text      {"preprocess": "d2l"|"none", "tokenize": "char"|"word", "newlines"?: bool, "reserved"?: [str]}
 *   seed      "<uint32>"                             the model seed (initialization, dropout masks); absent = 0
 *   quantization  "int8" | "f16"                     absent = F32. "f16": every parameter tensor is F16.
 *                                                  "int8": each weight matrix <w> (2-D) is I8 with the
 *                                                  same shape plus <w>.scale, F32 (rows,), and
 *                                                  <w>[r, :] = <w>[r, :] * <w>.scale[r]; biases stay F32.
 *                                                  In PyTorch: w = q.float() * scale[:, None]. Quantized
 *                                                  files are for generation and evaluation (no training).
 *   training  {"step": int, "epoch": int, "batch": int, "rng": [uint32...], "options": {...},
 *              "history": [{"epoch": int, "train_perplexity": number|null, "val_perplexity"?: number|null}]}
 *             present only in training checkpoints; see TrainingState for the meaning of each field.
 *
 * A file with only the parameters plus config, vocab and text (what PyTorch users write with
 * `safetensors.torch.save_file(model.state_dict(), path, metadata=...)`) loads for evaluation, generation
 * and further training. Readers of deeprnn files in PyTorch keep the `rnn.`/`linear.` tensors.
 */
import { DeepRnnError } from '../errors.js';
import { parameterShapes } from '../model/params.js';
import { dequantizeInt8, roundToF16, type Int8Matrix } from '../model/quantize.js';
import type { RecurrentState, ResolvedConfig, StateDict } from '../model/types.js';
import { validateConfig, validateState, validateStateDict } from '../model/validate.js';
import {
  badFile,
  decodeSafetensors,
  encodeSafetensors,
  toFloat32,
  type TensorEntry,
  type RawTensor,
} from './safetensors.js';
import type { Checkpoint, EpochRecord, JsonValue, StoredQuantization, TextOptions, TrainingState } from './types.js';

export const FORMAT = 'deeprnn';
export const VERSION = '1';
const ADAM_M = 'optimizer.adam.m.';
const ADAM_V = 'optimizer.adam.v.';
const CONFIG_KEYS = ['cell', 'nonlinearity', 'layers', 'hidden', 'vocab_size', 'dropout'];
const SCALE = '.scale';

export function encodeCheckpoint(ckpt: Checkpoint): Uint8Array<ArrayBuffer> {
  const { config, metadata } = describeModel(ckpt);
  const names = parameterShapes(config).map(([n]) => n);
  const q = ckpt.quantization;
  const entries: TensorEntry[] = q === undefined ? names.map((name) => ({ name, ...ckpt.params[name] })) : [];
  if (q !== undefined) {
    if (ckpt.training !== undefined) throw badFile('cannot write a quantized checkpoint with training state');
    metadata.quantization = q.format;
    for (const [name, shape] of parameterShapes(config)) {
      const w = q.format === 'int8' && shape.length === 2 ? q.weights[name] : undefined;
      if (q.format === 'f16') entries.push({ name, shape, data: roundToF16(ckpt.params[name].data, name).bits });
      else if (w === undefined) entries.push({ name, ...ckpt.params[name] });
      else {
        checkInt8(w, shape, name);
        entries.push({ name, shape, data: w.q }, { name: name + SCALE, shape: [shape[0]], data: w.scale });
      }
    }
  }
  const t = ckpt.training;
  if (t !== undefined) {
    checkTraining(t, config);
    metadata.training = JSON.stringify({
      step: t.optimizer.step,
      epoch: t.epoch,
      batch: t.batch,
      rng: t.rng,
      options: t.options,
      history: t.history.map((r) => historyToJson(r)),
    });
    if (t.optimizer.adam) {
      for (const n of names) entries.push({ name: ADAM_M + n, ...t.optimizer.adam.m[n] });
      for (const n of names) entries.push({ name: ADAM_V + n, ...t.optimizer.adam.v[n] });
    }
    if (t.state) {
      const shape = [config.layers, t.state.h.length / (config.layers * config.hidden), config.hidden];
      entries.push({ name: 'state.h', shape, data: t.state.h });
      if (t.state.c) entries.push({ name: 'state.c', shape, data: t.state.c });
    }
  }
  return encodeSafetensors(entries, metadata);
}

/**
 * The metadata that describes a model (format, version, config, vocab, text, seed) as strings, after
 * checking the checkpoint: what safetensors files and exported ONNX models (metadata_props) both carry.
 */
export function modelMetadata(ckpt: Checkpoint): Record<string, string> {
  return describeModel(ckpt).metadata;
}

function describeModel(ckpt: Checkpoint): { config: ResolvedConfig; metadata: Record<string, string> } {
  if (typeof ckpt !== 'object' || ckpt === null) throw badFile('cannot write checkpoint: it must be an object');
  const config = rethrow('cannot write checkpoint: config', () => validateConfig(ckpt.config));
  rethrow('cannot write checkpoint: params', () => validateStateDict(ckpt.params, config));
  checkVocab(ckpt.vocab, config.vocabSize);
  const metadata: Record<string, string> = {
    format: FORMAT,
    version: VERSION,
    config: JSON.stringify({
      cell: config.cell,
      nonlinearity: config.nonlinearity,
      layers: config.layers,
      hidden: config.hidden,
      vocab_size: config.vocabSize,
      dropout: config.dropout,
    }),
    vocab: JSON.stringify(ckpt.vocab),
    text: JSON.stringify(checkText(ckpt.text)),
    seed: String(config.seed),
  };
  return { config, metadata };
}

export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  const { metadata, tensors } = decodeSafetensors(bytes);
  if (metadata.format !== undefined && metadata.format !== FORMAT) {
    throw badFile(`metadata format is '${metadata.format}', expected '${FORMAT}'`);
  }
  if (metadata.version !== undefined && metadata.version !== VERSION) {
    throw badFile(`unknown checkpoint format version '${metadata.version}' (this deeprnn reads version ${VERSION})`);
  }
  const config = readConfig(metadata, tensors.size);
  const { vocab, text } = readVocabMetadata(metadata, config.vocabSize);

  const names = parameterShapes(config).map(([n]) => n);
  const known = new Set(names);
  const quantization = metadata.quantization;
  if (quantization !== undefined) {
    if (quantization !== 'int8' && quantization !== 'f16')
      throw badFile(`metadata quantization is '${quantization}'; deeprnn reads 'int8' and 'f16'`);
    if (metadata.training !== undefined) throw badFile('a quantized checkpoint cannot hold training state');
    if (quantization === 'int8') return decodeInt8(tensors, config, vocab, text);
  }
  for (const name of tensors.keys()) {
    const base = name.startsWith(ADAM_M)
      ? name.slice(ADAM_M.length)
      : name.startsWith(ADAM_V)
        ? name.slice(ADAM_V.length)
        : name;
    const ok = known.has(base) || name === 'state.h' || name === 'state.c';
    if (!ok)
      throw badFile(
        `unexpected tensor '${name}' for a ${config.layers}-layer ${config.cell} (expected ${names.join(', ')})`,
      );
  }
  const params = readDict(tensors, config, '', 'parameter');
  const ckpt: Checkpoint = { config, vocab, text, params };
  if (quantization === 'f16') ckpt.quantization = { format: 'f16' };

  if (metadata.training !== undefined) {
    ckpt.training = readTraining(parseJson(metadata, 'training'), tensors, config);
  } else {
    const stray = [...tensors.keys()].find((n) => !known.has(n));
    if (stray !== undefined)
      throw badFile(`tensor '${stray}' is training state, but the file has no 'training' metadata`);
  }
  return ckpt;
}

/** An int8 checkpoint: each weight matrix I8 plus its F32 row scales, the biases F32 (see the header). */
function decodeInt8(
  tensors: Map<string, RawTensor>,
  config: ResolvedConfig,
  vocab: string[],
  text: TextOptions,
): Checkpoint {
  const shapes = parameterShapes(config);
  const expected = new Set(shapes.flatMap(([n, shape]) => (shape.length === 2 ? [n, n + SCALE] : [n])));
  for (const name of tensors.keys()) {
    if (!expected.has(name))
      throw badFile(`unexpected tensor '${name}' in an int8 checkpoint (expected ${[...expected].join(', ')})`);
  }
  const params: StateDict = {};
  const weights: Record<string, Int8Matrix> = {};
  for (const [name, shape] of shapes) {
    const t = tensors.get(name);
    if (t === undefined) throw badFile(`parameter '${name}' is missing`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))
      throw badFile(
        `parameter '${name}' has shape ${JSON.stringify(t.shape)}, the config needs ${JSON.stringify(shape)}`,
      );
    if (shape.length !== 2) {
      params[name] = { shape: [...shape], data: toFloat32(t, `parameter '${name}'`) };
      continue;
    }
    if (t.dtype !== 'I8') throw badFile(`weight '${name}' of an int8 checkpoint has dtype ${t.dtype}, expected I8`);
    const st = tensors.get(name + SCALE);
    if (st === undefined) throw badFile(`int8 weight '${name}' has no '${name}${SCALE}' tensor`);
    if (st.dtype !== 'F32' || st.shape.length !== 1 || st.shape[0] !== shape[0])
      throw badFile(
        `'${name}${SCALE}' must be F32 of shape [${shape[0]}], got ${st.dtype} ${JSON.stringify(st.shape)}`,
      );
    const w: Int8Matrix = {
      shape: [shape[0], shape[1]],
      // A copy of the bytes (t.bytes may be a view into a Node Buffer pool, where slice() copies nothing).
      q: new Int8Array(new Uint8Array(t.bytes).buffer),
      scale: toFloat32(st, `'${name}${SCALE}'`),
    };
    checkInt8(w, shape, name);
    weights[name] = w;
    params[name] = { shape: [...shape], data: dequantizeInt8(w) };
  }
  return { config, vocab, text, params, quantization: { format: 'int8', weights } };
}

function checkInt8(w: Int8Matrix, shape: readonly number[], name: string): void {
  if (!(w?.q instanceof Int8Array && w.scale instanceof Float32Array))
    throw badFile(`int8 weight '${name}' must be {shape, q: Int8Array, scale: Float32Array}`);
  if (w.q.length !== shape[0] * shape[1] || w.scale.length !== shape[0])
    throw badFile(`int8 weight '${name}' must hold ${shape[0]}x${shape[1]} values and ${shape[0]} scales`);
  for (let r = 0; r < w.scale.length; r++) {
    if (!(Number.isFinite(w.scale[r]) && w.scale[r] >= 0))
      throw badFile(`'${name}${SCALE}'[${r}] is ${w.scale[r]}; row scales must be finite and non-negative`);
  }
}

/** The vocabulary and text options of a model's metadata (`vocab`, `text`), checked against its vocabulary size. */
export function readVocabMetadata(
  metadata: Record<string, string>,
  vocabSize: number,
): { vocab: string[]; text: TextOptions } {
  const vocab = checkVocab(parseJson(metadata, 'vocab'), vocabSize);
  const text = checkText(parseJson(metadata, 'text'));
  if (!text.reserved!.every((t, i) => vocab[i + 1] === t))
    throw badFile(`text.reserved ${JSON.stringify(text.reserved)} must be the tokens right after '<unk>' in vocab`);
  return { vocab, text };
}

/** Runs `fn`, turning any DeepRnnError it throws into E_BAD_CHECKPOINT prefixed with `what`. */
function rethrow<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DeepRnnError) throw badFile(`${what}: ${e.message}`);
    throw e;
  }
}

function parseJson(metadata: Record<string, string>, key: string): unknown {
  const text = metadata[key];
  if (text === undefined) throw badFile(`metadata has no '${key}' (deeprnn needs config, vocab and text)`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw badFile(`metadata '${key}' is not valid JSON: ${(e as Error).message}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A model's `config` (and `seed`) metadata; `tensorCount` bounds the layer count by what the file holds. */
export function readConfig(metadata: Record<string, string>, tensorCount: number): ResolvedConfig {
  const raw = parseJson(metadata, 'config');
  if (!isObject(raw)) throw badFile('metadata config must be a JSON object');
  for (const key of Object.keys(raw)) {
    if (!CONFIG_KEYS.includes(key))
      throw badFile(`metadata config has an unknown key '${key}' (expected ${CONFIG_KEYS.join(', ')})`);
  }
  for (const key of ['cell', 'layers', 'hidden', 'vocab_size']) {
    if (raw[key] === undefined) throw badFile(`metadata config is missing '${key}'`);
  }
  // Bounds the loop in parameterShapes by what the file holds (a layer has 4 tensors), so that a
  // hostile layer count cannot hang the reader.
  if (typeof raw.layers === 'number' && raw.layers > tensorCount) {
    throw badFile(`config says ${raw.layers} layers but the file holds only ${tensorCount} tensors`);
  }
  let seed = 0;
  if (metadata.seed !== undefined) {
    seed = /^\d{1,10}$/.test(metadata.seed) ? Number(metadata.seed) : NaN;
    if (!(seed <= 0xffffffff)) throw badFile(`metadata seed must be an integer in [0, 2^32), got '${metadata.seed}'`);
  }
  return rethrow('metadata config', () =>
    validateConfig({
      cell: raw.cell as ResolvedConfig['cell'],
      nonlinearity: (raw.nonlinearity ?? undefined) as ResolvedConfig['nonlinearity'] | undefined,
      layers: raw.layers as number,
      hidden: raw.hidden as number,
      vocabSize: raw.vocab_size as number,
      dropout: (raw.dropout ?? undefined) as number | undefined,
      seed,
    }),
  );
}

function checkVocab(vocab: unknown, vocabSize: number): string[] {
  if (!Array.isArray(vocab)) throw badFile('vocab must be an array of tokens');
  if (vocab.length !== vocabSize)
    throw badFile(`vocab has ${vocab.length} tokens but config vocab_size is ${vocabSize}`);
  const seen = new Set<string>();
  for (let i = 0; i < vocab.length; i++) {
    const t = vocab[i];
    if (typeof t !== 'string') throw badFile(`vocab[${i}] must be a string, got ${JSON.stringify(t) ?? String(t)}`);
    if (seen.has(t)) throw badFile(`vocab[${i}] ${JSON.stringify(t)} appears twice`);
    seen.add(t);
  }
  if (vocab[0] !== '<unk>') throw badFile(`vocab[0] must be '<unk>', got ${JSON.stringify(vocab[0])}`);
  return vocab as string[];
}

function checkText(text: unknown): TextOptions {
  if (!isObject(text)) throw badFile('text must be an object {"preprocess", "tokenize"}');
  const { preprocess, tokenize } = text;
  if (preprocess !== 'd2l' && preprocess !== 'none')
    throw badFile(`text.preprocess must be 'd2l' or 'none', got ${JSON.stringify(preprocess) ?? 'nothing'}`);
  if (tokenize !== 'char' && tokenize !== 'word')
    throw badFile(`text.tokenize must be 'char' or 'word', got ${JSON.stringify(tokenize) ?? 'nothing'}`);
  const { newlines = false, reserved = [] } = text;
  if (typeof newlines !== 'boolean') throw badFile(`text.newlines must be a boolean, got ${JSON.stringify(newlines)}`);
  if (!Array.isArray(reserved) || !reserved.every((t) => typeof t === 'string'))
    throw badFile('text.reserved must be an array of strings');
  return { preprocess, tokenize, newlines, reserved: [...reserved] };
}

/** Reads the tensors `prefix + <param>` for every parameter, each checked against the config's shape. */
function readDict(tensors: Map<string, RawTensor>, config: ResolvedConfig, prefix: string, what: string): StateDict {
  const dict: StateDict = {};
  for (const [name, shape] of parameterShapes(config)) {
    const t = tensors.get(prefix + name);
    if (t === undefined) throw badFile(`${what} '${prefix + name}' is missing`);
    if (t.shape.length !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
      throw badFile(
        `${what} '${prefix + name}' has shape ${JSON.stringify(t.shape)}, the config needs ${JSON.stringify(shape)}`,
      );
    }
    dict[name] = { shape: [...shape], data: toFloat32(t, `${what} '${prefix + name}'`) };
  }
  return dict;
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isU32 = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff;

function readTraining(raw: unknown, tensors: Map<string, RawTensor>, config: ResolvedConfig): TrainingState {
  if (!isObject(raw)) throw badFile('metadata training must be a JSON object');
  const history = raw.history ?? [];
  if (!Array.isArray(history)) throw badFile('training.history must be an array');
  const t: TrainingState = {
    optimizer: { step: raw.step as number },
    epoch: raw.epoch as number,
    batch: (raw.batch ?? 0) as number,
    rng: (raw.rng ?? []) as number[],
    options: (raw.options ?? {}) as TrainingState['options'],
    history: history.map((r, i) => historyFromJson(r, i)),
    state: null,
  };
  const hasM = [...tensors.keys()].some((n) => n.startsWith(ADAM_M));
  const hasV = [...tensors.keys()].some((n) => n.startsWith(ADAM_V));
  if (hasM || hasV) {
    t.optimizer.adam = {
      m: readDict(tensors, config, ADAM_M, 'Adam moment'),
      v: readDict(tensors, config, ADAM_V, 'Adam moment'),
    };
  }
  const h = tensors.get('state.h');
  const c = tensors.get('state.c');
  if (h !== undefined) {
    const ok = h.shape.length === 3 && h.shape[0] === config.layers && h.shape[1] > 0 && h.shape[2] === config.hidden;
    if (!ok)
      throw badFile(
        `state.h has shape ${JSON.stringify(h.shape)}, expected [${config.layers}, batch, ${config.hidden}]`,
      );
    if (c !== undefined && (c.shape.length !== 3 || c.shape.some((s, i) => s !== h.shape[i]))) {
      throw badFile(`state.c has shape ${JSON.stringify(c.shape)}, expected ${JSON.stringify(h.shape)} like state.h`);
    }
    t.state = { h: toFloat32(h, 'state.h') };
    if (c !== undefined) t.state.c = toFloat32(c, 'state.c');
  } else if (c !== undefined) {
    throw badFile('state.c is present without state.h');
  }
  checkTraining(t, config);
  return t;
}

function checkTraining(t: TrainingState, config: ResolvedConfig): void {
  if (!isObject(t)) throw badFile('training must be an object');
  if (!isObject(t.optimizer) || !isCount(t.optimizer.step))
    throw badFile(`training step must be a non-negative integer, got ${String(t.optimizer?.step)}`);
  if (!isCount(t.epoch)) throw badFile(`training epoch must be a non-negative integer, got ${String(t.epoch)}`);
  if (!isCount(t.batch))
    throw badFile(`training batch (data cursor) must be a non-negative integer, got ${String(t.batch)}`);
  if (!Array.isArray(t.rng) || !t.rng.every(isU32)) throw badFile('training rng must be an array of uint32 words');
  if (!isObject(t.options)) throw badFile('training options must be a JSON object');
  try {
    JSON.stringify(t.options);
  } catch (e) {
    throw badFile(`training options are not JSON-serializable: ${(e as Error).message}`);
  }
  if (!Array.isArray(t.history)) throw badFile('training history must be an array');
  t.history.forEach((r, i) => {
    historyToJson(r, i);
  });
  const adam = t.optimizer.adam;
  if (adam !== undefined) {
    if (!isObject(adam)) throw badFile('Adam state must be {m, v}');
    rethrow('Adam moment m', () => validateStateDict(adam.m, config));
    rethrow('Adam moment v', () => validateStateDict(adam.v, config));
  }
  if (t.state !== null && t.state !== undefined) {
    const state: RecurrentState = t.state;
    const per = config.layers * config.hidden;
    const batch = state.h instanceof Float32Array ? state.h.length / per : NaN;
    if (!(Number.isInteger(batch) && batch > 0))
      throw badFile(`carried state.h must hold layers*batch*hidden = ${per}*batch values`);
    rethrow('carried state', () => validateState(state, config, batch));
  }
}

function historyToJson(r: EpochRecord, i = 0): Record<string, JsonValue> {
  if (!isObject(r) || !isCount(r.epoch) || typeof r.trainPerplexity !== 'number') {
    throw badFile(`training history[${i}] must be {epoch, trainPerplexity, valPerplexity?}`);
  }
  if (r.valPerplexity !== undefined && typeof r.valPerplexity !== 'number')
    throw badFile(`training history[${i}].valPerplexity must be a number`);
  const byName = r.valPerplexities;
  if (byName !== undefined && !(isObject(byName) && Object.values(byName).every((v) => typeof v === 'number')))
    throw badFile(`training history[${i}].valPerplexities must map source names to numbers`);
  const finite = (x: number) => (Number.isFinite(x) ? x : null);
  const out: Record<string, JsonValue> = { epoch: r.epoch, train_perplexity: finite(r.trainPerplexity) };
  if (r.valPerplexity !== undefined) out.val_perplexity = finite(r.valPerplexity);
  if (byName !== undefined) {
    out.val_perplexities = Object.fromEntries(Object.entries(byName).map(([k, v]) => [k, finite(v as number)]));
  }
  return out;
}

function historyFromJson(raw: unknown, i: number): EpochRecord {
  const num = (v: unknown) => (v === null ? NaN : v);
  if (!isObject(raw)) throw badFile(`training history[${i}] must be an object`);
  const r: EpochRecord = { epoch: raw.epoch as number, trainPerplexity: num(raw.train_perplexity) as number };
  if (raw.val_perplexity !== undefined) r.valPerplexity = num(raw.val_perplexity) as number;
  if (raw.val_perplexities !== undefined) {
    if (!isObject(raw.val_perplexities)) throw badFile(`training history[${i}].val_perplexities must be an object`);
    r.valPerplexities = Object.fromEntries(Object.entries(raw.val_perplexities).map(([k, v]) => [k, num(v) as number]));
  }
  return r;
}

export type { Checkpoint, JsonValue, StoredQuantization, TextOptions, TrainingState };
