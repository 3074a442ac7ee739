/**
 * Where each parameter lives in the flat parameter-sized buffers every engine keeps (parameters,
 * gradients, Adam moments: one layout), in PyTorch state_dict order. The one map from names to offsets:
 * the core splits and joins state dicts with it, the engines point their kernels with it.
 */
import { parameterShapes } from './params.js';
import type { ResolvedConfig } from './types.js';

export interface LayerOffsets {
  /** Element offsets of weight_ih (G*H, in), weight_hh (G*H, H), bias_ih (G*H), bias_hh (G*H). */
  wih: number;
  whh: number;
  bih: number;
  bhh: number;
  inSize: number;
}

export interface ParamEntry {
  name: string;
  shape: number[];
  offset: number;
  size: number;
}

export interface ParamLayout {
  entries: ParamEntry[];
  total: number;
  layers: LayerOffsets[];
  /** Offsets of linear.weight (V, H) and linear.bias (V); -1 for a bare stack. */
  wout: number;
  bout: number;
}

/** Lays out parameters contiguously in the given (PyTorch state_dict) order; `rnn.` prefixes are optional. */
export function paramLayout(shapes: Array<[string, number[]]>): ParamLayout {
  const entries: ParamEntry[] = [];
  let total = 0;
  for (const [name, shape] of shapes) {
    const size = shape.reduce((a, b) => a * b, 1);
    entries.push({ name, shape: [...shape], offset: total, size });
    total += size;
  }
  // A map, not a search: a model may have 100,000 layers.
  const byName = new Map(entries.map((e) => [e.name.replace(/^rnn\./, ''), e]));
  const at = (name: string): ParamEntry | undefined => byName.get(name);
  const layers: LayerOffsets[] = [];
  for (let l = 0; at(`weight_ih_l${l}`); l++) {
    const wih = at(`weight_ih_l${l}`)!;
    layers.push({
      wih: wih.offset,
      whh: at(`weight_hh_l${l}`)!.offset,
      bih: at(`bias_ih_l${l}`)!.offset,
      bhh: at(`bias_hh_l${l}`)!.offset,
      inSize: wih.shape[1],
    });
  }
  return { entries, total, layers, wout: at('linear.weight')?.offset ?? -1, bout: at('linear.bias')?.offset ?? -1 };
}

/** The layout of a model's parameters: what every engine allocates and the core splits by. */
export function modelLayout(config: ResolvedConfig): ParamLayout {
  return paramLayout(parameterShapes(config));
}
