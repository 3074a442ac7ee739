/**
 * Generation: warm the state up on the prefix (one forward over it), then one token at a time with the
 * state carried, so each new token costs one step, never a re-feed of a window. The state is passed
 * explicitly to every step rather than left to the model's carried state, so generations that
 * interleave on one model (concurrent requests to a Worker) never disturb one another.
 */
import { DeepRnnError, check, checkOptionNames } from '../errors.js';
import { eventLoopPacer } from '../pace.js';
import type { ForwardModel, ForwardResult, RecurrentState, TokenTensor } from '../model/types.js';
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

/** One sequence of a batched generation: its prefix (and its token ids) and its own options. */
export interface SequenceRequest {
  ids: Int32Array;
  prefix: string;
  options: GenerateOptions;
}

/** A token of a batched generation: which sequence (index into the requests) it continues. */
export interface BatchToken extends GeneratedToken {
  sequence: number;
}

interface Sequence {
  index: number;
  ids: Int32Array;
  length: number;
  signal: AbortSignal | undefined;
  allowUnk: boolean;
  sampler: Sampler;
  produced: number;
  token: number;
}

function checkRequest({ ids, prefix, options }: SequenceRequest, index: number): Sequence {
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
  return { index, ids, length, signal, allowUnk, sampler, produced: 0, token: 0 };
}

/**
 * The live sequences' step buffers, row b for live[b]: the next tokens, and the forward's output (the
 * logits to sample from, and the (L, B, H) state, which is also the next step's start) written in place,
 * so that a step allocates nothing. Sequences that end leave by compaction: the rest keep their order.
 */
class StepBuffers {
  tokens: Int32Array;
  x: TokenTensor;
  out: ForwardResult;
  /** Each row of out.logits (live[b]'s V logits). */
  rows: Float32Array[] = [];

  constructor(
    private readonly V: number,
    private readonly L: number,
    private readonly H: number,
    private B: number,
    state: RecurrentState,
  ) {
    this.tokens = new Int32Array(B);
    this.x = { shape: [B, 1], data: this.tokens };
    this.out = { logits: new Float32Array(B * V), state };
    this.resize(B);
  }

  /** Keeps rows `kept` (ascending) in that order. */
  keep(kept: readonly number[]): void {
    const { L, H, B } = this;
    const K = kept.length;
    // Row (l, k) moves down from (l, kept[k]): its destination never overlaps a row not yet moved.
    const pack = (a: Float32Array) => {
      for (let l = 0; l < L; l++)
        kept.forEach((b, k) => {
          a.copyWithin((l * K + k) * H, (l * B + b) * H, (l * B + b + 1) * H);
        });
      return a.subarray(0, L * K * H);
    };
    const { h, c } = this.out.state;
    this.out = {
      logits: this.out.logits.subarray(0, K * this.V),
      state: c ? { h: pack(h), c: pack(c) } : { h: pack(h) },
    };
    this.tokens = this.tokens.subarray(0, K);
    this.x = { shape: [K, 1], data: this.tokens };
    this.resize(K);
  }

  private resize(B: number): void {
    this.B = B;
    this.rows = Array.from({ length: B }, (_, b) => this.out.logits.subarray(b * this.V, (b + 1) * this.V));
  }
}

/**
 * Several sequences at once (the server case: requests sharing one model): each warms up on its own
 * prefix, then every step samples one token for each live sequence (in request order) and runs one
 * forward for all that continue, as a batch with a state row each. A sequence ends at its own length
 * or when its signal aborts. Each gets exactly the tokens it would get alone: every product gives a row
 * the bits it gets alone (assembly/nn/gemm.ts, int8.ts) and each sequence samples with its own sampler.
 */
export async function* generateSequences<T = BatchToken>(
  modelOf: () => ForwardModel | Promise<ForwardModel>,
  vocab: Vocab,
  requests: readonly SequenceRequest[],
  token: (sequence: number, id: number, text: string, logProb: number) => T = batchToken as never,
): AsyncGenerator<T> {
  const sequences = requests.map(checkRequest); // every request is checked before any work
  const model = await modelOf();
  const { vocabSize: V, layers: L, hidden: H } = model.config;
  const joiner = vocab.options.tokenize === 'word' ? ' ' : '';
  let live = sequences.filter((s) => s.length > 0);
  if (live.length === 0) return;
  const warm = [];
  for (const s of live) warm.push(await feedTokens(model, s.ids, null));
  const step = new StepBuffers(V, L, H, live.length, stackStates(warm, L, H));
  warm.forEach(({ last }, b) => {
    step.rows[b].set(last);
  });
  const pace = eventLoopPacer();
  for (;;) {
    const pause = pace(); // so that an abort from a timer or a Stop message can act mid-stream
    if (pause) await pause;
    const kept: number[] = [];
    for (let b = 0; b < live.length; b++) {
      const s = live[b];
      if (s.signal?.aborted) continue;
      const logits = step.rows[b];
      // <unk> stands for whatever the vocabulary lacks: printing it literally is never a continuation.
      // The lowest f32 (the sampler takes finite logits only) gets probability exactly 0 at any temperature.
      if (!s.allowUnk && V > 1) logits[0] = LOWEST_F32;
      const { tokens, logProbs } = s.sampler.sample(logits, V);
      s.token = tokens[0];
      yield token(s.index, s.token, joiner + vocab.token(s.token), logProbs[0]);
      if (++s.produced < s.length) kept.push(b);
    }
    const next = kept.filter((b) => !live[b].signal?.aborted);
    if (next.length === 0) return;
    if (next.length < live.length) {
      step.keep(next);
      live = next.map((b) => live[b]);
    }
    live.forEach((s, b) => {
      step.tokens[b] = s.token;
    });
    await model.forward(step.x, step.out.state, step.out);
  }
}

/** The (L, B, H) state of a batch from each sequence's (L, 1, H) state. */
function stackStates(runs: readonly { state: RecurrentState }[], L: number, H: number): RecurrentState {
  const B = runs.length;
  const h = new Float32Array(L * B * H);
  const c = runs[0].state.c ? new Float32Array(L * B * H) : undefined;
  runs.forEach(({ state }, b) => {
    for (let l = 0; l < L; l++) {
      h.set(state.h.subarray(l * H, (l + 1) * H), (l * B + b) * H);
      c?.set(state.c!.subarray(l * H, (l + 1) * H), (l * B + b) * H);
    }
  });
  return c ? { h, c } : { h };
}

const batchToken = (sequence: number, id: number, text: string, logProb: number): BatchToken => ({
  sequence,
  id,
  text,
  logProb,
});

/**
 * One sequence: generateSequences over a batch of one, its tokens without `sequence` (the generator
 * itself, no wrapping one: every layer of async generator costs each token its promises).
 */
export function generateTokens(
  modelOf: () => ForwardModel | Promise<ForwardModel>,
  vocab: Vocab,
  ids: Int32Array,
  prefix: string,
  options: GenerateOptions,
): AsyncGenerator<GeneratedToken> {
  return generateSequences(modelOf, vocab, [{ ids, prefix, options }], (_s, id, text, logProb) => ({
    id,
    text,
    logProb,
  }));
}
