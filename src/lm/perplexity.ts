/**
 * Batch-1 runs over long token streams in chunks, so that memory stays bounded (the activations of a run
 * grow with its steps: a 100,000-character prefix in one run would take hundreds of MB); the state
 * carries across chunks. Perplexity of a token stream under a model: one stream of batch 1 from a zero
 * state, every next token predicted (the `deeprnn eval` definition).
 */
import { check } from '../errors.js';
import type { ForwardModel, RecurrentState } from '../model/types.js';

/** Steps per run; a stream no longer than this runs in one, as it always did. */
export const CHUNK_STEPS = 512;

/**
 * Feeds `ids` (at least one) from `state` (null: zeros) in chunks; returns the logits after the last
 * token (V values) and the state after it. The state is passed explicitly, never left to the model's
 * carried state, so runs that interleave on one model (concurrent requests) stay exact.
 */
export async function feedTokens(
  model: ForwardModel,
  ids: Int32Array,
  state: RecurrentState | null,
): Promise<{ last: Float32Array; state: RecurrentState }> {
  const V = model.config.vocabSize;
  let run: { logits: Float32Array; state: RecurrentState } | undefined;
  for (let start = 0; start < ids.length; start += CHUNK_STEPS) {
    const x = ids.subarray(start, start + CHUNK_STEPS);
    run = await model.forward({ shape: [1, x.length], data: x }, run?.state ?? state);
  }
  if (run === undefined) throw new Error('feedTokens needs at least one token');
  return { last: run.logits.subarray(run.logits.length - V), state: run.state };
}

export async function streamPerplexity(
  model: ForwardModel,
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
  model: ForwardModel,
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
  model: ForwardModel,
  tokens: Int32Array,
  chunkSteps = CHUNK_STEPS,
): Promise<{ nll: number; count: number }> {
  check(tokens.length >= 2, `perplexity needs at least 2 tokens, got ${tokens.length}`, 'E_CORPUS_TOO_SMALL');
  const V = model.config.vocabSize;
  let nll = 0;
  let count = 0;
  let state: RecurrentState | null = null;
  for (let start = 0; start < tokens.length - 1; start += chunkSteps) {
    const n = Math.min(chunkSteps, tokens.length - 1 - start);
    const x = tokens.slice(start, start + n);
    const run = await model.forward({ shape: [1, n], data: x }, state);
    const logits = run.logits;
    state = run.state;
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
