/** Messages between the page (main.ts) and the training worker (worker.ts). Plain data: structured-clone safe. */
import type {
  BackendChoice,
  CellType,
  CreateModelOptions,
  EpochEvent,
  OptimizerName,
  ThreadsOption,
  TrainProgress,
} from '../dist/browser/index.js';

export type KernelBuild = NonNullable<CreateModelOptions['wasmBuild']>;

export interface ModelChoice {
  cell: CellType;
  layers: number;
  hidden: number;
  dropout: number;
  seed: number;
  backend: BackendChoice;
  /** 'nn' = plain SIMD, bit-identical to Node; undefined = the fastest build this browser runs. */
  wasmBuild?: KernelBuild;
  /** WASM threads; the numbers are the same for every count. */
  threads: ThreadsOption;
}

export interface TrainChoice {
  /** How the text becomes tokens (stored in the checkpoint, as the CLI's --tokenize, --preprocess, --min-freq). */
  tokenize: 'char' | 'word';
  preprocess: 'd2l' | 'none';
  minFreq: number;
  epochs: number;
  lr: number;
  batchSize: number;
  numSteps: number;
  maxTokens?: number;
  /** Share of the tokens held out (from the end) for validation perplexity; 0 = none. */
  validation: number;
  optimizer: OptimizerName;
  /** Infinity = no clipping. */
  clip: number;
  lrDecay?: { rate: number; after: number };
}

export interface GenerateChoice {
  prefix: string;
  length: number;
  temperature: number;
  topK?: number;
  topP?: number;
  seed: number;
}

export type ToWorker =
  | { type: 'train'; text: string; model: ModelChoice; train: TrainChoice }
  | { type: 'stop' }
  | ({ type: 'generate' } & GenerateChoice)
  | { type: 'save' }
  | {
      type: 'load';
      name: string;
      bytes: Uint8Array;
      backend: BackendChoice;
      wasmBuild?: KernelBuild;
      threads: ThreadsOption;
    };

export interface ModelInfo {
  backend: string;
  /** Threads the model computes on, and why that is 1 when the page could have more (not isolated). */
  threads: number;
  threadsNotice?: string;
  cell: string;
  layers: number;
  hidden: number;
  dropout: number;
  vocabSize: number;
  /** Sum over parameterShapes() of each shape's product. */
  parameters: number;
  /** A model trained here: its token counts and the options the worker handed to train(). */
  trained?: {
    train: number;
    validation: number;
    recipe: Omit<TrainChoice, 'maxTokens' | 'validation' | 'tokenize' | 'preprocess' | 'minFreq'>;
  };
  /** A model loaded from a checkpoint: its file and the last epoch its training record holds, if any. */
  loaded?: { name: string; last?: { epoch: number; trainPerplexity: number; valPerplexity?: number } };
}

export type FromWorker =
  | { type: 'model'; info: ModelInfo }
  | { type: 'progress'; progress: TrainProgress }
  | { type: 'epoch'; event: EpochEvent }
  | { type: 'sample'; epoch: number; prefix: string; text: string }
  | { type: 'trained'; aborted: boolean }
  | { type: 'token'; text: string }
  | { type: 'generated' }
  | { type: 'saved'; bytes: Uint8Array }
  | { type: 'error'; code: string; message: string };
