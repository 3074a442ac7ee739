/**
 * Perplexity of a token stream under a model: one stream of batch 1 from a zero state, every next token
 * predicted (the `deeprnn eval` definition). Runs in chunks so memory stays bounded on long texts; the
 * state carries across chunks, so the result does not depend on the chunk length.
 */
import { check } from '../errors.js';
import type { RecurrentModel } from '../model/types.js';

const CHUNK_STEPS = 512;

export async function streamPerplexity(
  model: RecurrentModel,
  tokens: Int32Array,
  chunkSteps = CHUNK_STEPS,
): Promise<number> {
  check(tokens.length >= 2, `perplexity needs at least 2 tokens, got ${tokens.length}`, 'E_CORPUS_TOO_SMALL');
  const V = model.config.vocabSize;
  let nll = 0;
  let count = 0;
  let first = true;
  for (let start = 0; start < tokens.length - 1; start += chunkSteps) {
    const n = Math.min(chunkSteps, tokens.length - 1 - start);
    const x = tokens.slice(start, start + n);
    const { logits } = await model.forward({ shape: [1, n], data: x }, first ? null : undefined);
    first = false;
    for (let t = 0; t < n; t++) nll -= logSoftmaxAt(logits, t * V, V, tokens[start + t + 1]);
    count += n;
  }
  return Math.exp(nll / count);
}

/** log softmax(row)[target] in float64, max-shifted for stability. */
export function logSoftmaxAt(logits: Float32Array, offset: number, V: number, target: number): number {
  let max = -Infinity;
  for (let v = 0; v < V; v++) max = Math.max(max, logits[offset + v]);
  let sum = 0;
  for (let v = 0; v < V; v++) sum += Math.exp(logits[offset + v] - max);
  return logits[offset + target] - max - Math.log(sum);
}
