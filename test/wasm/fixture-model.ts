// Helpers to drive a RecurrentModel from a test/fixtures/model_*.json file.
import type { ModelConfig, StateDict, TokenTensor } from '../../src/model/types.js';
import { toStateDict } from '../helpers/fixtures.js';

export function configOf(fx: any): ModelConfig {
  const m = fx.meta;
  return {
    cell: m.cell,
    layers: m.num_layers,
    hidden: m.hidden_size,
    vocabSize: m.vocab_size,
    ...(m.cell === 'rnn' ? { nonlinearity: m.nonlinearity } : {}),
  };
}

export function batchOf(fx: any, i: number): { x: TokenTensor; y: TokenTensor } {
  const { X, Y } = fx.batches[i];
  const shape: [number, number] = [X.length, X[0].length];
  return { x: { shape, data: Int32Array.from(X.flat()) }, y: { shape, data: Int32Array.from(Y.flat()) } };
}

export function paramsOf(fx: any): StateDict {
  return toStateDict(fx.params);
}
