/** Where each parameter lives in the flat parameter buffer (grads and Adam moments use the same layout). */
import type { CellType } from '../model/types.js';

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

/** Lays out parameters contiguously in the given (PyTorch state_dict) order. */
export function paramLayout(shapes: Array<[string, number[]]>): ParamLayout {
  const entries: ParamEntry[] = [];
  let total = 0;
  for (const [name, shape] of shapes) {
    const size = shape.reduce((a, b) => a * b, 1);
    entries.push({ name, shape: [...shape], offset: total, size });
    total += size;
  }
  const at = (name: string): ParamEntry | undefined => entries.find((e) => e.name === name || e.name === `rnn.${name}`);
  const layers: LayerOffsets[] = [];
  for (let l = 0; at(`weight_ih_l${l}`); l++) {
    const wih = at(`weight_ih_l${l}`)!;
    layers.push({ wih: wih.offset, whh: at(`weight_hh_l${l}`)!.offset, bih: at(`bias_ih_l${l}`)!.offset, bhh: at(`bias_hh_l${l}`)!.offset, inSize: wih.shape[1] });
  }
  return { entries, total, layers, wout: at('linear.weight')?.offset ?? -1, bout: at('linear.bias')?.offset ?? -1 };
}

/** Floats saved per (t, b) row by the forward kernels for backward: LSTM i,f,g,o; GRU r,z,n,h_n. */
export function savedGateWidth(cell: CellType, hidden: number): number {
  return cell === 'rnn' ? 0 : 4 * hidden;
}
