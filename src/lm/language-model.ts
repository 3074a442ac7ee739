/**
 * What users touch: a vocabulary and a recurrent network together. Training (d2l train_ch8 semantics),
 * held-out perplexity, d2l's predict_ch8, sampling and streaming generation, a step API for interactive
 * use, and checkpoints.
 */
import { encodeCheckpoint, decodeCheckpoint } from '../checkpoint/index.js';
import type { Checkpoint, JsonValue, TrainingState } from '../checkpoint/index.js';
import { DeepRnnError, check, checkOptionNames } from '../errors.js';
import { createModel } from '../backends/create.js';
import type { BackendChoice, ModelConfig, OptimizerName, RecurrentModel, RecurrentState } from '../model/types.js';
import type { KernelBuild } from '../backends/wasm/kernels.js';
import type { ThreadsOption } from '../backends/wasm/threads.js';
import { SeqDataLoader, Vocab, loadTextCore, type Partition } from '../text/index.js';
import {
  RECIPE_OPTIONS,
  fromTrainingState,
  resumeRecipe,
  toTrainingState,
  tokensHash,
  type RunState,
  type TrainRecipe,
} from '../train/state.js';
import { trainLoop, type EpochEvent, type TrainProgress, type TrainResult } from '../train/train.js';
import { generateTokens, type GenerateOptions, type GeneratedToken } from './generate.js';
import { streamPerplexity } from './perplexity.js';

export interface LanguageModelOptions extends Omit<ModelConfig, 'vocabSize'> {
  backend?: BackendChoice;
  /** WASM kernel build (see createModel); 'nn' gives the same numbers in Node and every browser. */
  wasmBuild?: KernelBuild;
  /** WASM threads: 1 (default), N or 'auto' (see createModel); the same numbers for every count. */
  threads?: ThreadsOption;
}

type LoadOptions = Pick<LanguageModelOptions, 'backend' | 'wasmBuild' | 'threads'>;
const LOAD_OPTIONS = ['backend', 'wasmBuild', 'threads'];

export interface TrainOptions {
  /** Epochs in all: a resumed run may be given more than it was started with. */
  epochs: number;
  batchSize?: number; // default 32
  numSteps?: number; // default 35
  /** Required, except when resuming (the run's own lr is used). */
  lr?: number;
  clip?: number; // default 1; Infinity disables
  optimizer?: OptimizerName; // default 'sgd'
  partition?: Partition; // default 'sequential'
  /** Seeds the batch order (d2l's random offsets); default the model's seed. */
  seed?: number;
  lrDecay?: { rate: number; after: number };
  /** Held-out tokens (or text): each epoch event then carries its perplexity. */
  validation?: Int32Array | string;
  signal?: AbortSignal;
  onEpoch?: (event: EpochEvent) => void | Promise<void>;
  /**
   * Continue a run from its checkpoint's `training` (the model must have been loaded from that
   * checkpoint): its recipe is used, and any recipe option given here must agree with it (E_BAD_OPTION).
   */
  resume?: TrainingState;
  /** Where training is within the epoch, at most every ~100 ms: for progress bars. */
  onProgress?: (progress: TrainProgress) => void;
  /** Your own JSON, kept with the run's training state (the CLI keeps its data flags there). */
  extra?: { [key: string]: JsonValue };
}

const TRAIN_OPTIONS = new Set<string>([
  ...RECIPE_OPTIONS,
  'epochs',
  'validation',
  'signal',
  'onEpoch',
  'onProgress',
  'resume',
  'extra',
]);

export interface LanguageModelTrainResult extends TrainResult {
  /** Everything needed to continue this run bit-identically (save it with save(path, result.training)). */
  training: TrainingState;
}

export class LanguageModel {
  private trainingHistory: EpochEvent[] = [];

  private constructor(
    readonly vocab: Vocab,
    readonly model: RecurrentModel,
  ) {}

  /** A new model with PyTorch's default initialization for the given vocabulary. */
  static async create(vocab: Vocab, options: LanguageModelOptions): Promise<LanguageModel> {
    check(vocab instanceof Vocab, 'vocab must be a Vocab (build one with buildCorpus() or Vocab.fromText())');
    check(typeof options === 'object' && options !== null, 'model options must be an object');
    checkOptionNames(
      options,
      ['cell', 'nonlinearity', 'layers', 'hidden', 'dropout', 'seed', 'backend', 'wasmBuild', 'threads'],
      'model',
    );
    await loadTextCore();
    const model = await createModel({ ...options, vocabSize: vocab.size });
    return new LanguageModel(vocab, model);
  }

  /** A model from a checkpoint (deeprnn's own or one written from PyTorch with the same metadata). */
  static async fromCheckpoint(ckpt: Checkpoint, options: LoadOptions = {}): Promise<LanguageModel> {
    checkOptionNames(options, LOAD_OPTIONS, 'load');
    await loadTextCore();
    const vocab = Vocab.fromJSON({
      format: 'deeprnn.vocab',
      version: 1,
      preprocess: ckpt.text.preprocess,
      tokenize: ckpt.text.tokenize,
      newlines: ckpt.text.newlines ?? false,
      reserved: ckpt.text.reserved ?? [],
      tokens: ckpt.vocab,
      counts: ckpt.vocab.map(() => 0),
    });
    const { vocabSize: _v, ...config } = ckpt.config as ModelConfig & { vocabSize: number };
    const model = await createModel({
      ...config,
      vocabSize: ckpt.vocab.length,
      backend: options.backend,
      wasmBuild: options.wasmBuild,
      threads: options.threads,
    });
    try {
      model.loadStateDict(ckpt.params);
      if (ckpt.training) model.loadOptimizerState(ckpt.training.optimizer);
    } catch (error) {
      model.dispose();
      throw error;
    }
    const lm = new LanguageModel(vocab, model);
    lm.trainingHistory =
      ckpt.training?.history.map((r) => ({ ...r, epochs: 0, tokensPerSecond: 0, elapsedMs: 0, lr: 0 })) ?? [];
    return lm;
  }

  /** Loads a `.safetensors` checkpoint from bytes, a Blob, or (in Node) a file path. */
  static async load(source: Uint8Array | Blob | string, options: LoadOptions = {}): Promise<LanguageModel> {
    checkOptionNames(options, LOAD_OPTIONS, 'load');
    let bytes: Uint8Array;
    if (typeof source === 'string') {
      const { loadCheckpoint } = await import('../checkpoint/index.js');
      return LanguageModel.fromCheckpoint(await loadCheckpoint(source), options);
    } else if (source instanceof Uint8Array) {
      bytes = source;
    } else if (typeof Blob !== 'undefined' && source instanceof Blob) {
      bytes = new Uint8Array(await source.arrayBuffer());
    } else {
      throw new DeepRnnError('E_BAD_OPTION', 'load() takes a Uint8Array, a Blob or a file path');
    }
    return LanguageModel.fromCheckpoint(decodeCheckpoint(bytes), options);
  }

  get backend(): RecurrentModel['backend'] {
    return this.model.backend;
  }

  get config(): RecurrentModel['config'] {
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

  /**
   * Trains on a token stream (or text, encoded with this vocabulary), d2l train_ch8 style: sequential
   * partitioning carries the detached state across batches and resets it each epoch; random resets it
   * every batch. Resolves after the last epoch, or early with `aborted: true` when `signal` fires (the
   * parameters then hold every finished step and `training` says where to resume).
   */
  async train(data: Int32Array | string, options: TrainOptions): Promise<LanguageModelTrainResult> {
    check(typeof options === 'object' && options !== null, 'train options must be an object');
    checkOptionNames(options, TRAIN_OPTIONS, 'train');
    const tokens = typeof data === 'string' ? this.encode(data) : data;
    check(tokens instanceof Int32Array, 'train data must be an Int32Array of token ids or a string');
    const validation = typeof options.validation === 'string' ? this.encode(options.validation) : options.validation;
    if (validation !== undefined)
      check(
        validation instanceof Int32Array && validation.length >= 2,
        'validation needs at least 2 tokens',
        'E_CORPUS_TOO_SMALL',
      );

    const run = await this.runToStart(tokens, options);
    const { recipe } = run;
    const loader = new SeqDataLoader(tokens, recipe.batchSize, recipe.numSteps, recipe.partition, recipe.seed);
    const result = await trainLoop(
      this.model,
      { epoch: (e) => loader.epoch(e) },
      {
        epochs: options.epochs,
        lr: recipe.lr,
        clip: recipe.clip ?? Infinity,
        optimizer: recipe.optimizer,
        partition: recipe.partition,
        lrDecay: recipe.lrDecay ?? undefined,
        signal: options.signal,
        onProgress: options.onProgress,
        start: run.cursor,
        validate: validation ? () => streamPerplexity(this.model, validation) : undefined,
        onEpoch: async (event) => {
          this.trainingHistory.push(event);
          await options.onEpoch?.(event);
        },
      },
    );
    const c = result.cursor;
    const history = this.trainingHistory.map(({ epoch, trainPerplexity, valPerplexity }) => ({
      epoch,
      trainPerplexity,
      ...(valPerplexity !== undefined ? { valPerplexity } : {}),
    }));
    const state = c.batch > 0 ? await this.model.getState() : null;
    const training = toTrainingState({ recipe, cursor: c }, await this.model.optimizerState(), history, state);
    return { ...result, training };
  }

  /** The recipe and cursor to train with: a new run from the options, or the resumed run, checked. */
  private async runToStart(tokens: Int32Array, options: TrainOptions): Promise<RunState> {
    if (options.resume) {
      const saved = fromTrainingState(options.resume);
      const step = (await this.model.optimizerState()).step;
      check(
        step === options.resume.optimizer.step,
        `resume needs the model loaded from the checkpoint it resumes (its optimizer is at step ${step}, the checkpoint at ${options.resume.optimizer.step})`,
      );
      const recipe = resumeRecipe(saved.recipe, options, tokens);
      if (saved.cursor.batch > 0 && options.resume.state) this.model.setState(options.resume.state, recipe.batchSize);
      return { recipe, cursor: saved.cursor };
    }
    check(typeof options.lr === 'number', `lr is required to start training, got ${String(options.lr)}`);
    const clip = options.clip ?? 1;
    check(
      typeof clip === 'number' && clip > 0,
      `clip must be > 0 (Infinity disables clipping), got ${String(options.clip)}`,
    );
    const recipe: TrainRecipe = {
      batchSize: options.batchSize ?? 32,
      numSteps: options.numSteps ?? 35,
      lr: options.lr,
      clip: Number.isFinite(clip) ? clip : null,
      optimizer: options.optimizer ?? 'sgd',
      partition: options.partition ?? 'sequential',
      seed: options.seed ?? this.config.seed,
      lrDecay: options.lrDecay ? { rate: options.lrDecay.rate, after: options.lrDecay.after } : null,
      data: { tokens: tokens.length, hash: tokensHash(tokens) },
      extra: options.extra ?? {},
    };
    return { recipe, cursor: { epoch: 0, batch: 0, lr: recipe.lr, lossSum: 0, tokens: 0 } };
  }

  /** Perplexity of held-out text (or token ids): one stream from a zero state, every next token predicted. */
  async evaluate(data: Int32Array | string): Promise<number> {
    const tokens = typeof data === 'string' ? this.encode(data) : data;
    check(tokens instanceof Int32Array, 'evaluate() takes a string or an Int32Array of token ids');
    return streamPerplexity(this.model, tokens);
  }

  /** d2l predict_ch8: warm the state up on `prefix`, then `numPreds` greedy steps; returns prefix + continuation. */
  async predict(prefix: string, numPreds: number): Promise<string> {
    const out = await this.generate(prefix, { length: numPreds, greedy: true });
    return prefix + out;
  }

  /** The continuation of `prefix` (not including it), sampled with the WASM sampler. */
  async generate(prefix: string, options: GenerateOptions): Promise<string> {
    let text = '';
    for await (const t of this.stream(prefix, options)) text += t.text;
    return text;
  }

  /** Streams the continuation token by token (with log-probabilities); stops early on `options.signal`. */
  stream(prefix: string, options: GenerateOptions): AsyncIterable<GeneratedToken> {
    check(typeof prefix === 'string', 'prefix must be a string');
    return generateTokens(this.model, this.vocab, this.encodePiece(prefix), prefix, options);
  }

  /**
   * Step API: feeds text from the current state (batch 1) and returns the next-token logits; constant
   * cost per token. `reset()` goes back to the zero state.
   */
  async feed(text: string): Promise<Float32Array> {
    const ids = this.encodePiece(text);
    check(ids.length > 0, 'feed() needs text with at least one token', 'E_EMPTY_CORPUS');
    // Both backends start from zeros when the carried state belongs to another batch size (e.g. training's).
    const { logits } = await this.model.forward({ shape: [1, ids.length], data: ids });
    return logits.slice((ids.length - 1) * this.config.vocabSize);
  }

  getState(): Promise<RecurrentState | null> {
    return this.model.getState();
  }

  setState(state: RecurrentState | null): void {
    this.model.setState(state, 1);
  }

  reset(): void {
    this.model.setState(null);
  }

  /** The model as a checkpoint; pass a training state to make a training checkpoint. */
  async toCheckpoint(training?: TrainingState): Promise<Checkpoint> {
    const ckpt: Checkpoint = {
      config: this.config,
      vocab: [...this.vocab.tokens],
      text: { ...this.vocab.options, reserved: [...this.vocab.reserved] },
      params: await this.model.stateDict(),
    };
    if (training) ckpt.training = training;
    return ckpt;
  }

  /** `.safetensors` bytes (browsers: wrap in a Blob to download). */
  async toBytes(training?: TrainingState): Promise<Uint8Array> {
    return encodeCheckpoint(await this.toCheckpoint(training));
  }

  /** Writes a `.safetensors` checkpoint atomically (Node). */
  async save(path: string, training?: TrainingState): Promise<void> {
    const { saveCheckpoint } = await import('../checkpoint/index.js');
    await saveCheckpoint(path, await this.toCheckpoint(training));
  }

  dispose(): void {
    this.model.dispose();
  }
}
