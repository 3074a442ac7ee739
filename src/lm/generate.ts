/**
 * Generation: warm the state up on the prefix (one forward over it), then one token at a time with the
 * state carried, so each new token costs one step, never a re-feed of a window. The state is passed
 * explicitly to every step rather than left to the model's carried state, so generations that
 * interleave on one model (concurrent requests to a Worker) never disturb one another.
 */
import { DeepRnnError, check, checkOptionNames } from '../errors.js';
import { eventLoopPacer } from '../pace.js';
import type { ForwardModel } from '../model/types.js';
import { Sampler, type SampleOptions } from '../text/sampler.js';
import type { Vocab } from '../text/vocab.js';
import { feedTokens } from './perplexity.js';

export interface GenerateOptions extends SampleOptions {
  length: number;
  seed?: number;
  signal?: AbortSignal;
  /** Let <unk> (id 0: what unknown characters encode to) be sampled; default false, it never is. */
  allowUnk?: boolean;
}

const LOWEST_F32 = -3.4028234663852886e38;

const GENERATE_OPTIONS = ['length', 'seed', 'signal', 'allowUnk', 'greedy', 'temperature', 'topK', 'topP'];

export interface GeneratedToken {
  id: number;
  /** The token's text as it joins the output ('' separators for char models, ' ' + word for word models). */
  text: string;
  logProb: number;
}

export async function* generateTokens(
  model: ForwardModel,
  vocab: Vocab,
  ids: Int32Array,
  prefix: string,
  options: GenerateOptions,
): AsyncGenerator<GeneratedToken> {
  check(typeof options === 'object' && options !== null, 'generate options must be an object');
  checkOptionNames(options, GENERATE_OPTIONS, 'generate');
  check(
    Number.isInteger(options.length) && options.length >= 0,
    `length must be a non-negative integer, got ${String(options.length)}`,
  );
  check(typeof prefix === 'string', 'prefix must be a string');
  const { length, signal, allowUnk = false, ...sampleOptions } = options;
  check(typeof allowUnk === 'boolean', `allowUnk must be a boolean, got ${String(allowUnk)}`);
  const sampler = new Sampler(sampleOptions);
  if (ids.length === 0)
    throw new DeepRnnError('E_EMPTY_CORPUS', `the prefix ${JSON.stringify(prefix)} has no tokens after preprocessing`);
  const V = model.config.vocabSize;
  const joiner = vocab.options.tokenize === 'word' ? ' ' : '';
  let { last, state } = await feedTokens(model, ids, null);
  const step = new Int32Array(1);
  const pace = eventLoopPacer();
  for (let i = 0; i < length; i++) {
    await pace(); // so that an abort from a timer or a Stop message can act mid-stream
    if (signal?.aborted) return;
    // <unk> stands for whatever the vocabulary lacks: printing it literally is never a continuation.
    // The lowest f32 (the sampler takes finite logits only) gets probability exactly 0 at any temperature.
    if (!allowUnk && V > 1) last[0] = LOWEST_F32;
    const { tokens, logProbs } = sampler.sample(last, V);
    const id = tokens[0];
    yield { id, text: joiner + vocab.token(id), logProb: logProbs[0] };
    if (i + 1 === length) break;
    step[0] = id;
    ({ logits: last, state } = await model.forward({ shape: [1, 1], data: step }, state));
  }
}
