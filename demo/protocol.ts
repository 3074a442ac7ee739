/** Messages between the page (main.ts) and the training worker (worker.ts). Plain data: structured-clone safe. */
import type { BackendChoice, CellType, CreateModelOptions, EpochEvent } from '../dist/browser/index.js';

export type KernelBuild = NonNullable<CreateModelOptions['wasmBuild']>;

export interface ModelChoice {
  cell: CellType;
  layers: number;
  hidden: number;
  seed: number;
  backend: BackendChoice;
  /** 'nn' = plain SIMD, bit-identical to Node; undefined = the fastest build this browser runs. */
  wasmBuild?: KernelBuild;
}

export interface TrainChoice {
  epochs: number;
  lr: number;
  batchSize: number;
  numSteps: number;
  maxTokens?: number;
}

export type ToWorker =
  | { type: 'train'; text: string; model: ModelChoice; train: TrainChoice }
  | { type: 'stop' }
  | { type: 'generate'; prefix: string; length: number; temperature: number; topK?: number; seed: number }
  | { type: 'save' }
  | { type: 'load'; bytes: Uint8Array; backend: BackendChoice; wasmBuild?: KernelBuild };

export interface ModelInfo {
  backend: string;
  cell: string;
  layers: number;
  hidden: number;
  vocabSize: number;
  tokens?: number;
}

export type FromWorker =
  | { type: 'model'; info: ModelInfo }
  | { type: 'epoch'; event: EpochEvent }
  | { type: 'trained'; aborted: boolean }
  | { type: 'token'; text: string }
  | { type: 'generated'; text: string }
  | { type: 'saved'; bytes: Uint8Array }
  | { type: 'error'; code: string; message: string };
