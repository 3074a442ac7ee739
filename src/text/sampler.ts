/**
 * The sampler every generation path uses: one token per row of logits (rows, V), in the text core.
 *
 * Randomness is counter-based: row r of a call uses u = counterUniform(seed, counter + r) - the lowbias32
 * `mix32` family of src/model/params.ts - and the counter then advances by the rows drawn. So the tokens are
 * a pure function of (logits, options, seed, counter), identical in Node and browsers (the maths is f64 in
 * WASM with the module's own exp/log), and a generation resumes exactly from `sampler.state`.
 */
import { check } from '../errors.js';
import { checkStatus, withCore } from './core.js';

export interface SampleOptions {
  /** Take the most likely token (the first on ties) and draw nothing. Default false. */
  greedy?: boolean;
  /** Sample from softmax(logits / temperature); >= 0, default 1; 0 means greedy (as llama.cpp and HF). */
  temperature?: number;
  /** Keep only the topK most likely tokens; an integer >= 1, default all. */
  topK?: number;
  /** Then keep the smallest most-likely set whose probability reaches topP (nucleus); (0, 1], default 1. */
  topP?: number;
}

export interface SamplerState {
  seed: number;
  /** Draws made so far (mod 2^32); the next row uses this counter. */
  counter: number;
}

export interface Sampled {
  tokens: Int32Array;
  /**
   * Log-probability of each token under the distribution it was drawn from: softmax(logits / T) over the
   * kept tokens, renormalized (greedy: log softmax(logits / T) at the argmax).
   */
  logProbs: Float32Array;
}

const isU32 = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff;

function resolve(o: SampleOptions): Required<SampleOptions> {
  check(typeof o === 'object' && o !== null, 'sample options must be an object');
  const zero = o.temperature === 0;
  const greedy = zero || (o.greedy ?? false);
  const temperature = zero ? 1 : (o.temperature ?? 1);
  const topK = o.topK ?? Infinity;
  const topP = o.topP ?? 1;
  check(typeof greedy === 'boolean', `greedy must be a boolean, got ${String(o.greedy)}`);
  check(
    typeof temperature === 'number' && Number.isFinite(temperature) && temperature > 0,
    `temperature must be a finite number >= 0 (0 is greedy), got ${String(o.temperature)}`,
  );
  check(
    topK === Infinity || (Number.isInteger(topK) && topK >= 1),
    `topK must be an integer >= 1, got ${String(o.topK)}`,
  );
  check(typeof topP === 'number' && topP > 0 && topP <= 1, `topP must be in (0, 1], got ${String(o.topP)}`);
  return { greedy, temperature, topK, topP };
}

/**
 * Samples one token per row of `logits` (rows * vocabSize values, row-major) with draws counter,
 * counter + 1, ... of `seed`'s stream. Returns the tokens, their log-probabilities and the next counter.
 */
export function sampleLogits(
  logits: Float32Array,
  vocabSize: number,
  options: SampleOptions & Partial<SamplerState> = {},
): Sampled & { counter: number } {
  const o = resolve(options);
  const seed = options.seed ?? 0;
  const counter = options.counter ?? 0;
  check(isU32(seed), `seed must be an integer in [0, 2^32), got ${String(options.seed)}`);
  check(isU32(counter), `counter must be an integer in [0, 2^32), got ${String(options.counter)}`);
  return draw(logits, vocabSize, o, seed, counter);
}

/** sampleLogits with the options already resolved and checked (a Sampler's, once for all its calls). */
function draw(
  logits: Float32Array,
  vocabSize: number,
  o: Required<SampleOptions>,
  seed: number,
  counter: number,
): Sampled & { counter: number } {
  check(logits instanceof Float32Array, 'logits must be a Float32Array', 'E_BAD_SHAPE');
  check(
    Number.isInteger(vocabSize) && vocabSize > 0,
    () => `vocabSize must be a positive integer, got ${String(vocabSize)}`,
    'E_BAD_SHAPE',
  );
  check(
    logits.length > 0 && logits.length % vocabSize === 0,
    () => `logits have ${logits.length} values, not a positive multiple of vocabSize ${vocabSize}`,
    'E_BAD_SHAPE',
  );
  const rows = logits.length / vocabSize;
  return withCore((call) => {
    const status = call.wasm.sample(
      call.f32(logits),
      rows,
      vocabSize,
      o.greedy,
      o.temperature,
      Math.min(o.topK, vocabSize),
      o.topP,
      seed,
      counter,
    );
    checkStatus(call, status, (_, at) => {
      const i = Math.round(at);
      return `logits[${Math.floor(i / vocabSize)}, ${i % vocabSize}] is ${logits[i]}; logits must be finite`;
    });
    return { tokens: call.outI32(0), logProbs: call.outF32(1), counter: call.wasm.scalar(0) >>> 0 };
  });
}

/** A seeded sampler that keeps its counter, so consecutive calls continue one random stream. */
export class Sampler {
  private readonly options: Required<SampleOptions>;
  private seed: number;
  private counter: number;

  constructor(options: SampleOptions & Partial<SamplerState> = {}) {
    this.options = resolve(options);
    this.seed = options.seed ?? 0;
    this.counter = options.counter ?? 0;
    check(isU32(this.seed), `seed must be an integer in [0, 2^32), got ${String(options.seed)}`);
    check(isU32(this.counter), `counter must be an integer in [0, 2^32), got ${String(options.counter)}`);
  }

  /** Where the stream stands; `new Sampler({...options, ...state})` continues from here. */
  get state(): SamplerState {
    return { seed: this.seed, counter: this.counter };
  }

  /** One token per row of logits (rows, vocabSize). */
  sample(logits: Float32Array, vocabSize: number): Sampled {
    const out = draw(logits, vocabSize, this.options, this.seed, this.counter);
    this.counter = out.counter;
    return { tokens: out.tokens, logProbs: out.logProbs };
  }
}
