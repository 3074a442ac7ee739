/**
 * A checkpoint made smaller for generation: int8 weights with a scale per row, or every tensor in f16
 * (the rules: src/model/quantize.ts). The result's `params` are the f32 values the smaller file stands
 * for, so a model built from them computes what a model loaded from that file computes; training state
 * is left behind (a quantized model generates and evaluates, it does not train).
 */
import { DeepRnnError, check } from '../errors.js';
import {
  QUANTIZATIONS,
  dequantizeInt8,
  quantizeInt8,
  roundToF16,
  type Int8Matrix,
  type Quantization,
} from '../model/quantize.js';
import type { StateDict } from '../model/types.js';
import type { Checkpoint } from './types.js';

export function quantizeCheckpoint(ckpt: Checkpoint, to: Quantization): Checkpoint {
  check(
    (QUANTIZATIONS as readonly unknown[]).includes(to),
    `quantize to must be ${QUANTIZATIONS.map((q) => `'${q}'`).join(' or ')}, got ${JSON.stringify(to) ?? String(to)}`,
  );
  if (ckpt.quantization !== undefined)
    throw new DeepRnnError(
      'E_BAD_OPTION',
      `this checkpoint is already ${ckpt.quantization.format}; quantize the f32 checkpoint it was made from`,
    );
  const params: StateDict = {};
  const weights: Record<string, Int8Matrix> = {};
  for (const [name, { shape, data }] of Object.entries(ckpt.params)) {
    if (to === 'f16') {
      params[name] = { shape: [...shape], data: roundToF16(data, name).values };
    } else if (shape.length === 2) {
      weights[name] = quantizeInt8(data, shape[0], shape[1], name);
      params[name] = { shape: [...shape], data: dequantizeInt8(weights[name]) };
    } else {
      params[name] = { shape: [...shape], data: data.slice() };
    }
  }
  const { config, vocab, text } = ckpt;
  return {
    config,
    vocab,
    text,
    params,
    quantization: to === 'f16' ? { format: 'f16' } : { format: 'int8', weights },
  };
}
