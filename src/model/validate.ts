/**
 * Argument checks shared by every backend, so both throw the same DeepRnnError codes and messages for
 * the same bad input.
 */
import { DeepRnnError, check } from '../errors.js';
import { parameterCount, parameterShapes, resolveConfig } from './params.js';
import type {
  ForwardResult,
  ModelConfig,
  RecurrentState,
  ResolvedConfig,
  StateDict,
  TokenTensor,
  TrainStepOptions,
} from './types.js';

/** 4 GiB of float32: past WASM's whole memory and every WebGPU device's largest buffer binding. */
const MAX_PARAMETERS = 2 ** 30;

const isPositiveInt = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;

export function validateConfig(config: ModelConfig): ResolvedConfig {
  check(typeof config === 'object' && config !== null, 'model config must be an object');
  check(
    ['rnn', 'gru', 'lstm'].includes(config.cell),
    `cell must be 'rnn', 'gru' or 'lstm', got ${String(config.cell)}`,
  );
  check(
    config.nonlinearity === undefined || config.nonlinearity === 'tanh' || config.nonlinearity === 'relu',
    `nonlinearity must be 'tanh' or 'relu', got ${String(config.nonlinearity)}`,
  );
  check(
    config.nonlinearity === undefined || config.cell === 'rnn' || config.nonlinearity === 'tanh',
    `nonlinearity applies only to cell 'rnn'`,
  );
  check(isPositiveInt(config.layers), `layers must be a positive integer, got ${String(config.layers)}`);
  check(isPositiveInt(config.hidden), `hidden must be a positive integer, got ${String(config.hidden)}`);
  check(isPositiveInt(config.vocabSize), `vocabSize must be a positive integer, got ${String(config.vocabSize)}`);
  const dropout = config.dropout ?? 0;
  check(
    typeof dropout === 'number' && dropout >= 0 && dropout < 1,
    `dropout must be in [0, 1), got ${String(config.dropout)}`,
  );
  const seed = config.seed ?? 0;
  check(
    Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff,
    `seed must be an integer in [0, 2^32), got ${String(config.seed)}`,
  );
  // Checked before anything is allocated, so an impossible size is an error, not a hang or a crash.
  const count = parameterCount(config as ResolvedConfig);
  check(
    count <= MAX_PARAMETERS,
    `a ${config.layers}-layer ${config.cell} with hidden ${config.hidden} and vocabulary ${config.vocabSize} has ${count.toExponential(2)} parameters; no backend holds more than ${MAX_PARAMETERS.toExponential(2)} (4 GiB of float32)`,
    'E_TOO_LARGE',
  );
  return resolveConfig(config);
}

/** Checks a (batch, steps) token tensor; returns [batch, steps]. */
export function validateTokens(x: TokenTensor, vocabSize: number, what = 'X'): [number, number] {
  check(
    typeof x === 'object' && x !== null && x.data instanceof Int32Array,
    () => `${what} must be {shape: [batch, steps], data: Int32Array}`,
    'E_BAD_SHAPE',
  );
  check(
    Array.isArray(x.shape) && x.shape.length === 2 && isPositiveInt(x.shape[0]) && isPositiveInt(x.shape[1]),
    () => `${what}.shape must be [batch, steps] with positive integers, got ${JSON.stringify(x.shape)}`,
    'E_BAD_SHAPE',
  );
  const [b, t] = x.shape;
  check(
    x.data.length === b * t,
    () => `${what}.data has ${x.data.length} elements, shape [${b}, ${t}] needs ${b * t}`,
    'E_BAD_SHAPE',
  );
  for (let i = 0; i < x.data.length; i++) {
    const v = x.data[i];
    if (v < 0 || v >= vocabSize) {
      throw new DeepRnnError(
        'E_TOKEN_RANGE',
        `${what}[${Math.floor(i / t)}, ${i % t}] = ${v} is outside the vocabulary [0, ${vocabSize})`,
      );
    }
  }
  return [b, t];
}

export function validatePair(x: TokenTensor, y: TokenTensor, vocabSize: number): [number, number] {
  const [b, t] = validateTokens(x, vocabSize, 'X');
  const [yb, yt] = validateTokens(y, vocabSize, 'Y');
  check(b === yb && t === yt, `X has shape [${b}, ${t}] but Y has [${yb}, ${yt}]`, 'E_BAD_SHAPE');
  return [b, t];
}

export function validateTrainOptions(o: TrainStepOptions): Required<TrainStepOptions> {
  check(typeof o === 'object' && o !== null, 'train step options must be an object');
  const optimizer = o.optimizer ?? 'sgd';
  check(optimizer === 'sgd' || optimizer === 'adam', `optimizer must be 'sgd' or 'adam', got ${String(o.optimizer)}`);
  check(
    typeof o.lr === 'number' && Number.isFinite(o.lr) && o.lr > 0,
    `lr must be a finite number > 0, got ${String(o.lr)}`,
  );
  const clip = o.clip ?? Infinity;
  check(
    typeof clip === 'number' && clip > 0 && !Number.isNaN(clip),
    `clip must be > 0 (Infinity disables clipping), got ${String(o.clip)}`,
  );
  const beta1 = o.beta1 ?? 0.9;
  const beta2 = o.beta2 ?? 0.999;
  const eps = o.eps ?? 1e-8;
  check(beta1 >= 0 && beta1 < 1, `beta1 must be in [0, 1), got ${beta1}`);
  check(beta2 >= 0 && beta2 < 1, `beta2 must be in [0, 1), got ${beta2}`);
  check(eps > 0 && Number.isFinite(eps), `eps must be a finite number > 0, got ${eps}`);
  return { optimizer, lr: o.lr, clip, resetState: o.resetState ?? false, beta1, beta2, eps };
}

/** Checks names and shapes against the config; unknown, missing or misshapen tensors are E_STATE_DICT. */
export function validateStateDict(dict: StateDict, config: ResolvedConfig): void {
  check(typeof dict === 'object' && dict !== null, 'state dict must be an object', 'E_STATE_DICT');
  const expected = parameterShapes(config);
  const names = new Set(expected.map(([n]) => n));
  for (const name of Object.keys(dict))
    check(names.has(name), `state dict has an unexpected tensor '${name}'`, 'E_STATE_DICT');
  for (const [name, shape] of expected) {
    const t = dict[name];
    check(t !== undefined, `state dict is missing '${name}'`, 'E_STATE_DICT');
    check(
      Array.isArray(t.shape) && t.shape.length === shape.length && t.shape.every((s, i) => s === shape[i]),
      `'${name}' has shape ${JSON.stringify(t.shape)}, expected ${JSON.stringify(shape)}`,
      'E_STATE_DICT',
    );
    check(
      t.data instanceof Float32Array && t.data.length === shape.reduce((a, b) => a * b, 1),
      `'${name}' data must be a Float32Array of ${shape.reduce((a, b) => a * b, 1)} elements`,
      'E_STATE_DICT',
    );
  }
}

/** Checks forward()'s `out` for a (batch, steps) run: logits for every position and a state for the batch. */
export function validateForwardOut(out: ForwardResult, config: ResolvedConfig, batch: number, steps: number): void {
  check(typeof out === 'object' && out !== null, 'out must be {logits, state}', 'E_BAD_SHAPE');
  const n = batch * steps * config.vocabSize;
  check(
    out.logits instanceof Float32Array && out.logits.length === n,
    () =>
      `out.logits must be a Float32Array of ${n} elements ((steps ${steps} * batch ${batch}) * vocab ${config.vocabSize})`,
    'E_BAD_SHAPE',
  );
  validateState(out.state, config, batch, 'out.state');
  check(out.state.h !== out.state.c, 'out.state.h and out.state.c must be different arrays', 'E_BAD_SHAPE');
}

/** Checks a state for (layers, batch, hidden); `c` is required for LSTM and refused otherwise. */
export function validateState(state: RecurrentState, config: ResolvedConfig, batch: number, what = 'state'): void {
  const n = config.layers * batch * config.hidden;
  check(
    typeof state === 'object' && state !== null && state.h instanceof Float32Array,
    () => `${what}.h must be a Float32Array`,
    'E_BAD_SHAPE',
  );
  check(
    state.h.length === n,
    () =>
      `${what}.h has ${state.h.length} elements, (layers ${config.layers}, batch ${batch}, hidden ${config.hidden}) needs ${n}`,
    'E_BAD_SHAPE',
  );
  if (config.cell === 'lstm') {
    check(
      state.c instanceof Float32Array && state.c.length === n,
      () => `an LSTM ${what} needs c, a Float32Array of ${n} elements`,
      'E_BAD_SHAPE',
    );
  } else {
    check(state.c === undefined, () => `a ${config.cell.toUpperCase()} ${what} has no c`, 'E_BAD_SHAPE');
  }
}

/** The batch size of a state given to setState: `batchSize`, or inferred from h's length; then checks it. */
export function validateStateBatch(state: RecurrentState, config: ResolvedConfig, batchSize?: number): number {
  const LH = config.layers * config.hidden;
  check(
    typeof state === 'object' && state !== null && state.h instanceof Float32Array,
    'state.h must be a Float32Array',
    'E_BAD_SHAPE',
  );
  const batch = batchSize ?? state.h.length / LH;
  check(
    Number.isInteger(batch) && batch > 0,
    batchSize === undefined
      ? `state.h has ${state.h.length} elements, not a positive multiple of layers*hidden = ${LH}`
      : `batchSize must be a positive integer, got ${String(batchSize)}`,
    'E_BAD_SHAPE',
  );
  validateState(state, config, batch);
  return batch;
}
