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
  const { nll, count } = await streamNll(model, tokens, chunkSteps);
  return Math.exp(nll / count);
}

/** A named token stream (one source file of a corpus). */
export interface NamedTokens {
  name: string;
  tokens: Int32Array;
}

export interface SourcesPerplexity {
  /** Over all predicted tokens of all sources: exp of the token-weighted mean loss. */
  perplexity: number;
  bySource: Record<string, number>;
}

/** Each source's perplexity (each its own stream from a zero state) and the token-weighted whole. */
export async function sourcesPerplexity(
  model: RecurrentModel,
  sources: readonly NamedTokens[],
): Promise<SourcesPerplexity> {
  check(sources.length > 0, 'perplexity needs at least one source', 'E_CORPUS_TOO_SMALL');
  const bySource: Record<string, number> = {};
  let nll = 0;
  let count = 0;
  for (const s of sources) {
    check(!(s.name in bySource), `two sources are named ${JSON.stringify(s.name)}`);
    const r = await streamNll(model, s.tokens);
    bySource[s.name] = Math.exp(r.nll / r.count);
    nll += r.nll;
    count += r.count;
  }
  return { perplexity: Math.exp(nll / count), bySource };
}

/** The summed negative log-likelihood of every next token, and how many were predicted. */
async function streamNll(
  model: RecurrentModel,
  tokens: Int32Array,
  chunkSteps = CHUNK_STEPS,
): Promise<{ nll: number; count: number }> {
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
  return { nll, count };
}

/** log softmax(row)[target] in float64, max-shifted for stability. */
export function logSoftmaxAt(logits: Float32Array, offset: number, V: number, target: number): number {
  let max = -Infinity;
  for (let v = 0; v < V; v++) max = Math.max(max, logits[offset + v]);
  let sum = 0;
  for (let v = 0; v < V; v++) sum += Math.exp(logits[offset + v] - max);
  return logits[offset + target] - max - Math.log(sum);
}
