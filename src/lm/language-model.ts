/**
 * What users touch: a vocabulary and a recurrent network together. TextGenerator (text-generator.ts) has
 * held-out perplexity, d2l's predict_ch8, sampling and streaming generation and the step API; this adds
 * training (d2l train_ch8 semantics), checkpoints, and the WASM copy that batch-1 work on a WebGPU model
 * runs on (wasm-copy.ts).
 */
import { encodeCheckpoint, quantizeCheckpoint } from '../checkpoint/index.js';
import type { Checkpoint, JsonValue, TrainingState } from '../checkpoint/index.js';
import { DeepRnnError, check, checkOptionNames } from '../errors.js';
import { createInt8ForwardModel } from '../backends/wasm/int8-engine.js';
import type { Quantization } from '../model/quantize.js';
import type { StateDict } from '../model/types.js';
import { nnWasm } from '../wasm/modules.js';
import { createModel } from '../backends/create.js';
import type { BackendChoice, ForwardModel, ModelConfig, OptimizerName, RecurrentModel } from '../model/types.js';
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
import { sourcesPerplexity } from './perplexity.js';
import { TextModel, checkpointBytes, checkpointVocab, type CheckpointSource, type Source } from './text-model.js';
import { WasmCopy } from './wasm-copy.js';
import type { VocabOption } from '../interop/vocab.js';
import { VERSION } from '../generated/version.js';

export type { Source };

export interface LanguageModelOptions extends Omit<ModelConfig, 'vocabSize'> {
  backend?: BackendChoice;
  /** WASM kernel build (see createModel); 'nn' gives the same numbers in Node and every browser. */
  wasmBuild?: KernelBuild;
  /** WASM threads: 1 (default), N or 'auto' (see createModel); the same numbers for every count. */
  threads?: ThreadsOption;
}

type RuntimeOptions = Pick<LanguageModelOptions, 'backend' | 'wasmBuild' | 'threads'>;
const RUNTIME_OPTIONS = ['backend', 'wasmBuild', 'threads'];

export interface LoadOptions extends RuntimeOptions {
  /**
   * The vocabulary of an ONNX or TF.js model (a Vocab, or its tokens with '<unk>' first, read as d2l chars):
   * needed when the file has none in its metadata, and used instead of the file's when given.
   */
  vocab?: VocabOption;
}
const LOAD_OPTIONS = [...RUNTIME_OPTIONS, 'vocab'];

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
  /** Cosine annealing from lr down to minLr over the epochs (instead of lrDecay). */
  cosine?: { minLr: number };
  /** Epochs of linear warmup at the start. */
  warmup?: number;
  /** Stop when validation perplexity has not improved for `patience` epochs (needs `validation`). */
  earlyStopping?: { patience: number };
  /**
   * Held-out tokens (or text): each epoch event then carries its perplexity. Named sources (one per
   * book) give each source's perplexity too (`valPerplexities`), and `valPerplexity` over them all.
   */
  validation?: Int32Array | string | readonly Source[];
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
  'earlyStopping',
]);

/**
 * Early stopping: true when the last `patience` epochs of `history` (which may reach back before a
 * resume) brought no validation perplexity below the best one before them.
 */
function noLongerImproving(history: readonly { valPerplexity?: number }[], patience: number): boolean {
  const vals = history.map((e) => e.valPerplexity ?? Number.NaN);
  if (vals.length <= patience) return false;
  const bestBefore = Math.min(...vals.slice(0, -patience).filter(Number.isFinite));
  return !vals.slice(-patience).some((v) => v < bestBefore);
}

export interface LanguageModelTrainResult extends TrainResult {
  /** Everything needed to continue this run bit-identically (save it with save(path, result.training)). */
  training: TrainingState;
  /** Early stopping ended the run (then `aborted` is true too, at an epoch boundary). */
  stoppedEarly: boolean;
}

/** The one refusal to train what an int8 or f16 checkpoint holds; `subject` names what was asked and of what. */
export function quantizedError(subject: string, format: Quantization): DeepRnnError {
  return new DeepRnnError(
    'E_QUANTIZED',
    `${subject} an ${format} checkpoint, which is for generation and evaluation; train from the f32 checkpoint it was made from`,
  );
}

export class LanguageModel extends TextModel<RecurrentModel> {
  private trainingHistory: EpochEvent[] = [];
  /** Where batch-1 work runs when the weights live on the GPU (see wasm-copy.ts). */
  private readonly wasmCopy: WasmCopy | undefined;

  private constructor(vocab: Vocab, model: RecurrentModel, quantized?: { format: Quantization; copy?: ForwardModel }) {
    super(vocab, model, quantized?.format ?? null);
    if (quantized?.format === 'int8') {
      const create = (c: ForwardModel['config'], p: StateDict) => createInt8ForwardModel(c, p, nnWasm);
      this.wasmCopy = new WasmCopy(model, create, quantized.copy);
    } else {
      this.wasmCopy = model.backend === 'wasm' ? undefined : new WasmCopy(model);
    }
  }

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
  static async fromCheckpoint(ckpt: Checkpoint, options: RuntimeOptions = {}): Promise<LanguageModel> {
    checkOptionNames(options, RUNTIME_OPTIONS, 'load');
    await loadTextCore();
    const vocab = checkpointVocab(ckpt);
    const { vocabSize: _v, ...config } = ckpt.config as ModelConfig & { vocabSize: number };
    const model = await createModel({
      ...config,
      vocabSize: ckpt.vocab.length,
      backend: options.backend,
      wasmBuild: options.wasmBuild,
      threads: options.threads,
    });
    let copy: ForwardModel | undefined;
    try {
      model.loadStateDict(ckpt.params);
      if (ckpt.training) model.loadOptimizerState(ckpt.training.optimizer);
      // The int8 copy generation runs on, from the file's own int8 matrices (model holds them dequantized).
      if (ckpt.quantization?.format === 'int8')
        copy = await createInt8ForwardModel(ckpt.config, ckpt.params, nnWasm, ckpt.quantization.weights);
    } catch (error) {
      model.dispose();
      throw error;
    }
    const q = ckpt.quantization;
    const lm = new LanguageModel(vocab, model, q && { format: q.format, copy });
    lm.trainingHistory =
      ckpt.training?.history.map((r) => ({ ...r, epochs: 0, tokensPerSecond: 0, elapsedMs: 0, lr: 0 })) ?? [];
    return lm;
  }

  /**
   * Loads a model from bytes, an ArrayBuffer, a Blob, or (in Node) a file path, telling the format by its content: a
   * `.safetensors` checkpoint, an ONNX model (deeprnn's export, or torch.onnx.export of d2l's model), or
   * (by path) a TF.js model.json with its weights beside it. `vocab` gives the vocabulary of a file that
   * has none in its metadata.
   */
  static async load(source: CheckpointSource | string, options: LoadOptions = {}): Promise<LanguageModel> {
    checkOptionNames(options, LOAD_OPTIONS, 'load');
    const { vocab, ...runtime } = options;
    const { readModelBytes, readModelFile } = await import('../interop/read.js');
    if (typeof source === 'string')
      return LanguageModel.fromCheckpoint(await readModelFile(source, { vocab }), runtime);
    return LanguageModel.fromCheckpoint(readModelBytes(await checkpointBytes(source), { vocab }), runtime);
  }

  /**
   * A TensorFlow.js / Keras layers model: its model.json (text, bytes or parsed) and the weight data (the
   * manifest's files, concatenated or as an array in manifest order). In Node, load('model.json') reads both.
   */
  static async fromTfjs(
    modelJson: string | Uint8Array | object,
    weights: Uint8Array | ArrayBuffer | ReadonlyArray<Uint8Array | ArrayBuffer>,
    options: LoadOptions = {},
  ): Promise<LanguageModel> {
    checkOptionNames(options, LOAD_OPTIONS, 'load');
    const { vocab, ...runtime } = options;
    const { readTfjs } = await import('../interop/read.js');
    return LanguageModel.fromCheckpoint(readTfjs(modelJson, weights, { vocab }), runtime);
  }

  /**
   * Trains on a token stream (or text, encoded with this vocabulary), d2l train_ch8 style: sequential
   * partitioning carries the detached state across batches and resets it each epoch; random resets it
   * every batch. Resolves after the last epoch, or early with `aborted: true` when `signal` fires (the
   * parameters then hold every finished step and `training` says where to resume).
   */
  async train(data: Int32Array | string, options: TrainOptions): Promise<LanguageModelTrainResult> {
    this.notQuantized('train()');
    check(typeof options === 'object' && options !== null, 'train options must be an object');
    checkOptionNames(options, TRAIN_OPTIONS, 'train');
    const tokens = typeof data === 'string' ? this.encode(data) : data;
    check(tokens instanceof Int32Array, 'train data must be an Int32Array of token ids or a string');
    const validation =
      options.validation === undefined ? undefined : this.namedTokens(options.validation, 'validation');
    for (const v of validation ?? [])
      check(v.tokens.length >= 2, `validation ${v.name} needs at least 2 tokens`, 'E_CORPUS_TOO_SMALL');
    // One unnamed stream reports no per-source figures.
    const perSource = Array.isArray(options.validation);

    const patience = options.earlyStopping?.patience ?? 0;
    check(
      Number.isInteger(patience) && patience >= 0,
      `earlyStopping.patience must be a whole number of epochs, got ${String(patience)}`,
    );
    check(patience === 0 || validation !== undefined, 'earlyStopping needs validation data');
    // The loop stops on one signal: the caller's, or early stopping's.
    const stop = new AbortController();
    const forward = () => stop.abort();
    let stoppedEarly = false;

    const run = await this.runToStart(tokens, options);
    if (options.signal?.aborted) stop.abort();
    options.signal?.addEventListener('abort', forward);
    const { recipe } = run;
    this.reset(); // the step API's state belongs to the weights before training
    const loader = new SeqDataLoader(tokens, recipe.batchSize, recipe.numSteps, recipe.partition, recipe.seed);
    let result: TrainResult;
    try {
      result = await trainLoop(
        this.model,
        { epoch: (e) => loader.epoch(e) },
        {
          epochs: options.epochs,
          lr: recipe.lr,
          clip: recipe.clip ?? Infinity,
          optimizer: recipe.optimizer,
          partition: recipe.partition,
          schedule: { decay: recipe.lrDecay, cosine: recipe.cosine, warmup: recipe.warmup },
          signal: stop.signal,
          onProgress: options.onProgress,
          start: run.cursor,
          validate: validation
            ? async () => {
                const v = await sourcesPerplexity(this.model, validation);
                return perSource ? v : { perplexity: v.perplexity };
              }
            : undefined,
          onEpoch: async (event) => {
            this.trainingHistory.push(event);
            await options.onEpoch?.(event);
            if (patience > 0 && noLongerImproving(this.trainingHistory, patience)) {
              stoppedEarly = true;
              stop.abort();
            }
          },
        },
      );
    } finally {
      options.signal?.removeEventListener('abort', forward);
    }
    const c = result.cursor;
    const history = this.trainingHistory.map(({ epoch, trainPerplexity, valPerplexity, valPerplexities }) => ({
      epoch,
      trainPerplexity,
      ...(valPerplexity !== undefined ? { valPerplexity } : {}),
      ...(valPerplexities !== undefined ? { valPerplexities } : {}),
    }));
    const state = c.batch > 0 ? await this.model.getState() : null;
    const training = toTrainingState({ recipe, cursor: c }, await this.model.optimizerState(), history, state);
    return { ...result, training, stoppedEarly };
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
      cosine: options.cosine ? { minLr: options.cosine.minLr } : null,
      warmup: options.warmup ?? 0,
      data: { tokens: tokens.length, hash: tokensHash(tokens) },
      extra: options.extra ?? {},
    };
    return { recipe, cursor: { epoch: 0, batch: 0, lr: recipe.lr, lossSum: 0, tokens: 0 } };
  }

  /**
   * The model as a checkpoint; pass a training state to make a training checkpoint. A model loaded from
   * a quantized checkpoint gives one quantized the same way (the same bits while its parameters are the
   * loaded ones: quantizing dequantized weights gives them back, src/model/quantize.ts).
   */
  async toCheckpoint(training?: TrainingState): Promise<Checkpoint> {
    if (training) this.notQuantized('a training checkpoint');
    const ckpt: Checkpoint = {
      config: this.config,
      vocab: [...this.vocab.tokens],
      text: { ...this.vocab.options, reserved: [...this.vocab.reserved] },
      params: await this.model.stateDict(),
    };
    if (training) ckpt.training = training;
    return this.quantization === null ? ckpt : quantizeCheckpoint(ckpt, this.quantization);
  }

  /**
   * This model as an int8 or f16 checkpoint for generation (see quantizeCheckpoint): load the bytes with
   * LanguageModel.load or TextGenerator.load.
   */
  async quantize(to: Quantization): Promise<Uint8Array> {
    this.notQuantized('quantize()');
    return encodeCheckpoint(quantizeCheckpoint(await this.toCheckpoint(), to));
  }

  private notQuantized(what: string): void {
    if (this.quantization !== null) throw quantizedError(`${what}: this model was loaded from`, this.quantization);
  }

  /** `.safetensors` bytes (browsers: wrap in a Blob to download). */
  async toBytes(training?: TrainingState): Promise<Uint8Array> {
    return encodeCheckpoint(await this.toCheckpoint(training));
  }

  /**
   * The model as a standard ONNX graph (LSTM/GRU/RNN ops, opset 17) for ONNX Runtime and other runtimes:
   * inputs input_ids int64 (batch, seq), h0 (and c0) float32 (layers, batch, hidden); outputs logits
   * (batch, seq, vocab), hn (and cn). The vocabulary and text options are in its metadata_props.
   */
  async toOnnx(): Promise<Uint8Array> {
    const { checkpointToOnnx } = await import('../interop/onnx/export.js');
    return checkpointToOnnx(await this.toCheckpoint(), VERSION);
  }

  /** Writes a `.safetensors` checkpoint atomically (Node). */
  async save(path: string, training?: TrainingState): Promise<void> {
    const { saveCheckpoint } = await import('../checkpoint/index.js');
    await saveCheckpoint(path, await this.toCheckpoint(training));
  }

  override dispose(): void {
    this.wasmCopy?.dispose();
    super.dispose();
  }

  protected override batchOne(): Promise<ForwardModel> {
    return this.wasmCopy?.model() ?? Promise.resolve(this.model);
  }
}
