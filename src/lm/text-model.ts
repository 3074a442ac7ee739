/**
 * A model that reads and writes text: a vocabulary and a ForwardModel. Held-out perplexity, d2l's
 * predict_ch8, sampling and streaming generation, and a step API for interactive use - written once for
 * TextGenerator (text-generator.ts: `deeprnn/generate`, a checkpoint on the forward kernels alone) and
 * LanguageModel (language-model.ts: training and writing checkpoints too).
 *
 * Batch-1 work (feed, stream, evaluate) runs on `batchOne()`: the model itself here; a WebGPU
 * LanguageModel runs it on a WASM copy (wasm-copy.ts). stream() and evaluate() carry their own state,
 * and the step API keeps its own, so one loaded model can serve concurrent requests.
 */
import type { Checkpoint } from '../checkpoint/types.js';
import { DeepRnnError, check } from '../errors.js';
import type { ForwardModel, RecurrentState } from '../model/types.js';
import { validateStateBatch } from '../model/validate.js';
import { Vocab } from '../text/vocab.js';
import {
  generateSequences,
  generateTokens,
  type BatchToken,
  type GenerateOptions,
  type GeneratedToken,
  type SequenceRequest,
} from './generate.js';
import type { Quantization } from '../model/quantize.js';
import {
  type NamedTokens,
  type SourcesPerplexity,
  feedTokens,
  sourcesPerplexity,
  streamPerplexity,
} from './perplexity.js';

/** A named text or token stream: one book of a corpus. */
export interface Source {
  name: string;
  data: Int32Array | string;
}

/** What a checkpoint can be read from everywhere (LanguageModel.load also takes a path in Node). */
export type CheckpointSource = Uint8Array | ArrayBuffer | Blob;

export abstract class TextModel<M extends ForwardModel = ForwardModel> {
  /**
   * The step API's state (batch 1; null: zeros), kept here rather than in the model, so that stream()
   * and evaluate() never disturb it; `steps` runs the step API's calls in call order.
   */
  private stepState: RecurrentState | null = null;
  private steps: Promise<unknown> = Promise.resolve();

  protected constructor(
    readonly vocab: Vocab,
    readonly model: M,
    /** How the checkpoint it was loaded from stored the weights: 'int8', 'f16', or null (f32). */
    readonly quantization: Quantization | null = null,
  ) {}

  get backend(): ForwardModel['backend'] {
    return this.model.backend;
  }

  get config(): ForwardModel['config'] {
    return this.model.config;
  }

  /** Threads computing each step (see the `threads` option). */
  get threads(): number {
    return this.model.threads;
  }

  /** Token ids of a text under this model's vocabulary (unknown tokens -> 0). */
  encode(text: string): Int32Array {
    return this.vocab.encode(text);
  }

  /**
   * Encodes a piece of a longer stream: d2l preprocessing without trimming the ends, so that feeding
   * 'time ' then 'traveller' equals feeding 'time traveller' (whole-text encode() strips each line).
   */
  encodePiece(text: string): Int32Array {
    check(typeof text === 'string', 'text must be a string');
    const o = this.vocab.options;
    if (o.preprocess !== 'd2l' || o.tokenize !== 'char') return this.encode(text);
    const cleaned = text.replace(o.newlines ? /[^A-Za-z\n]+/g : /[^A-Za-z]+/g, ' ').toLowerCase();
    return this.vocab.encode([...cleaned]);
  }

  /** Perplexity of held-out text (or token ids): one stream from a zero state, every next token predicted. */
  async evaluate(data: Int32Array | string): Promise<number> {
    const tokens = typeof data === 'string' ? this.encode(data) : data;
    check(tokens instanceof Int32Array, 'evaluate() takes a string or an Int32Array of token ids');
    return streamPerplexity(await this.batchOne(), tokens);
  }

  /** Each source's perplexity (its own stream from a zero state) and the token-weighted one over all. */
  async evaluateSources(sources: readonly Source[]): Promise<SourcesPerplexity> {
    return sourcesPerplexity(await this.batchOne(), this.namedTokens(sources, 'evaluateSources()'));
  }

  protected namedTokens(data: Int32Array | string | readonly Source[], what: string): NamedTokens[] {
    const one = (d: unknown, name: string): NamedTokens => {
      const tokens = typeof d === 'string' ? this.encode(d) : d;
      check(tokens instanceof Int32Array, `${what}: ${name} must be a string or an Int32Array of token ids`);
      return { name, tokens };
    };
    if (!Array.isArray(data)) return [one(data, 'validation')];
    return (data as readonly Source[]).map((s, i) => {
      check(
        typeof s === 'object' && s !== null && typeof s.name === 'string',
        `${what}: source ${i} must be {name, data}`,
      );
      return one(s.data, s.name);
    });
  }

  /** d2l predict_ch8: warm the state up on `prefix`, then `numPreds` greedy steps; returns prefix + continuation. */
  async predict(prefix: string, numPreds: number): Promise<string> {
    const out = await this.generate(prefix, { length: numPreds, greedy: true });
    return prefix + out;
  }

  /**
   * The continuation of `prefix` (not including it), sampled with the WASM sampler. Given several
   * prefixes (and one options object for all, or one each), generates them as a batch and returns
   * each continuation: each equal to generating that prefix alone with its options.
   */
  generate(prefix: string, options: GenerateOptions): Promise<string>;
  generate(prefixes: readonly string[], options: GenerateOptions | readonly GenerateOptions[]): Promise<string[]>;
  async generate(
    prefix: string | readonly string[],
    options: GenerateOptions | readonly GenerateOptions[],
  ): Promise<string | string[]> {
    if (typeof prefix === 'string') {
      let text = '';
      for await (const t of this.stream(prefix, options as GenerateOptions)) text += t.text;
      return text;
    }
    const texts = prefix.map(() => '');
    for await (const t of this.stream(prefix, options)) texts[t.sequence] += t.text;
    return texts;
  }

  /**
   * Streams the continuation token by token (with log-probabilities); stops early on `options.signal`.
   * Given several prefixes, streams them as a batch: each token says which `sequence` it continues, and
   * each sequence ends at its own length or signal.
   */
  stream(prefix: string, options: GenerateOptions): AsyncIterable<GeneratedToken>;
  stream(prefixes: readonly string[], options: GenerateOptions | readonly GenerateOptions[]): AsyncIterable<BatchToken>;
  stream(
    prefix: string | readonly string[],
    options: GenerateOptions | readonly GenerateOptions[],
  ): AsyncIterable<GeneratedToken | BatchToken> {
    const { vocab } = this;
    const batchOne = () => this.batchOne();
    if (typeof prefix === 'string') {
      check(!Array.isArray(options), 'one prefix takes one options object');
      const ids = this.encodePiece(prefix);
      return { [Symbol.asyncIterator]: () => generateTokens(batchOne, vocab, ids, prefix, options as GenerateOptions) };
    }
    check(Array.isArray(prefix), 'prefix must be a string or an array of strings');
    check(prefix.length > 0, 'generating a batch needs at least one prefix');
    check(
      !Array.isArray(options) || options.length === prefix.length,
      `got ${prefix.length} prefixes but ${(options as readonly unknown[]).length} options objects (give one for all, or one each)`,
    );
    const requests: SequenceRequest[] = prefix.map((p, i) => {
      check(typeof p === 'string', `prefix ${i} must be a string`);
      const o = Array.isArray(options) ? options[i] : (options as GenerateOptions);
      return { ids: this.encodePiece(p), prefix: p, options: o };
    });
    return { [Symbol.asyncIterator]: () => generateSequences(batchOne, vocab, requests) };
  }

  /**
   * Step API: feeds text from the current state (batch 1) and returns the next-token logits; constant
   * cost per token. `reset()` goes back to the zero state.
   */
  feed(text: string): Promise<Float32Array> {
    const ids = this.encodePiece(text);
    check(ids.length > 0, 'feed() needs text with at least one token', 'E_EMPTY_CORPUS');
    return this.inOrder(async () => {
      const { last, state } = await feedTokens(await this.batchOne(), ids, this.stepState);
      this.stepState = state;
      return last.slice();
    });
  }

  getState(): Promise<RecurrentState | null> {
    return this.inOrder(async () => (this.stepState === null ? null : copyState(this.stepState)));
  }

  setState(state: RecurrentState | null): void {
    if (state !== null) validateStateBatch(state, this.config, 1);
    const copy = state === null ? null : copyState(state);
    void this.inOrder(async () => {
      this.stepState = copy;
    });
  }

  reset(): void {
    this.setState(null);
  }

  dispose(): void {
    this.model.dispose();
  }

  /** The model batch-1 work runs on. */
  protected batchOne(): Promise<ForwardModel> {
    return Promise.resolve(this.model);
  }

  private inOrder<T>(step: () => Promise<T>): Promise<T> {
    const run = this.steps.then(step);
    this.steps = run.catch(() => undefined);
    return run;
  }
}

function copyState(s: RecurrentState): RecurrentState {
  return s.c ? { h: s.h.slice(), c: s.c.slice() } : { h: s.h.slice() };
}

/** The bytes of a checkpoint given as bytes, an ArrayBuffer (a Worker's data module) or a Blob. */
export async function checkpointBytes(source: unknown): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (typeof Blob !== 'undefined' && source instanceof Blob) return new Uint8Array(await source.arrayBuffer());
  throw new DeepRnnError('E_BAD_OPTION', 'load() takes a Uint8Array, an ArrayBuffer, a Blob or (in Node) a file path');
}

/** The vocabulary a checkpoint's text options and tokens describe; the text core must be loaded. */
export function checkpointVocab(ckpt: Checkpoint): Vocab {
  return Vocab.fromJSON({
    format: 'deeprnn.vocab',
    version: 1,
    preprocess: ckpt.text.preprocess,
    tokenize: ckpt.text.tokenize,
    newlines: ckpt.text.newlines ?? false,
    reserved: ckpt.text.reserved ?? [],
    tokens: ckpt.vocab,
    counts: ckpt.vocab.map(() => 0),
  });
}
