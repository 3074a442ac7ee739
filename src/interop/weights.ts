/**
 * Weight layouts shared by the importers and the exporter: gate block orders, transposes and folding an
 * embedding into the first layer. deeprnn keeps PyTorch's layout (src/model/params.ts): W_ih (G*H, in),
 * W_hh (G*H, H), b_ih and b_hh (G*H), gates LSTM i,f,g,o and GRU r,z,n.
 */
import type { CellType } from '../model/types.js';

/**
 * Gate orders as PyTorch block k <- foreign block ORDER[k]. ONNX: LSTM i,o,f,c and GRU z,r,h. Keras:
 * LSTM i,f,c,o (PyTorch's) and GRU z,r,h. A single-gate RNN has nothing to reorder.
 */
export const FROM_ONNX: Record<CellType, readonly number[]> = { lstm: [0, 2, 3, 1], gru: [1, 0, 2], rnn: [0] };
export const FROM_KERAS: Record<CellType, readonly number[]> = { lstm: [0, 1, 2, 3], gru: [1, 0, 2], rnn: [0] };

/** ONNX block k <- PyTorch block TO_ONNX[k] (the inverse of FROM_ONNX). */
export const TO_ONNX: Record<CellType, readonly number[]> = { lstm: [0, 3, 1, 2], gru: [1, 0, 2], rnn: [0] };

/**
 * Reorders the row blocks of a (G*H, cols) matrix or a G*H vector: block k of the result is block
 * order[k] of `data`. A permutation, so every value is kept bit for bit.
 */
export function permuteBlocks(data: Float32Array, order: readonly number[]): Float32Array {
  const block = data.length / order.length;
  const out = new Float32Array(data.length);
  order.forEach((from, k) => {
    out.set(data.subarray(from * block, (from + 1) * block), k * block);
  });
  return out;
}

/** The transpose of a row-major (rows, cols) matrix. */
export function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}

/**
 * Folds an embedding E (vocab, dim) into the first layer's input weights K (dim, G*H), Keras's layout:
 * a token's embedding row times K is the column of W_ih = (E K)^T that its one-hot input selects, so the
 * result is deeprnn's W_ih (G*H, vocab). Summed in float64, so the only rounding is the final one.
 */
export function foldEmbedding(embedding: Float32Array, vocab: number, dim: number, kernel: Float32Array): Float32Array {
  const gh = kernel.length / dim;
  const out = new Float32Array(gh * vocab);
  for (let v = 0; v < vocab; v++) {
    for (let g = 0; g < gh; g++) {
      let sum = 0;
      for (let d = 0; d < dim; d++) sum += embedding[v * dim + d] * kernel[d * gh + g];
      out[g * vocab + v] = sum;
    }
  }
  return out;
}
