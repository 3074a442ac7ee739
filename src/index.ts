/** deeprnn: deep RNN/GRU/LSTM language models on WebGPU and WebAssembly, in Node and browsers. */
// The WebGPU types (GPUDevice, ...) appear in the public API: a user's strict project needs them too.
/// <reference types="@webgpu/types" preserve="true" />
export { DeepRnnError } from './errors.js';
export type { ErrorCode } from './errors.js';

// Models: the backend-neutral contract, and the two backends behind it.
export type * from './model/types.js';
export { createModel } from './backends/create.js';
export type { CreateModelOptions } from './backends/create.js';
export { parameterShapes, initParameters } from './model/params.js';
export { createWasmModel, availableThreads } from './backends/wasm/index.js';
export type { WasmModelOptions, ThreadsOption, ThreadSupport } from './backends/wasm/index.js';
export { createWebGpuModel, probeWebGpu } from './backends/webgpu/index.js';

// What most users touch.
export { LanguageModel } from './lm/language-model.js';
export type {
  LanguageModelOptions,
  LoadOptions,
  TrainOptions,
  LanguageModelTrainResult,
  Source,
} from './lm/language-model.js';
export type { VocabOption } from './interop/vocab.js';
export type { TextModel, CheckpointSource } from './lm/text-model.js';
export type { BatchToken, GenerateOptions, GeneratedToken } from './lm/generate.js';
export { trainLoop } from './train/train.js';
export type {
  BatchSource,
  EpochEvent,
  TrainCursor,
  TrainLoopOptions,
  TrainProgress,
  TrainResult,
} from './train/train.js';
export { curveCsv, curveSvg } from './train/curve.js';
export type { EpochRecord } from './train/curve.js';

// Text: preprocessing, vocabularies, corpora, minibatches, sampling, data.
export * from './text/index.js';

// Checkpoints (safetensors).
export {
  encodeCheckpoint,
  decodeCheckpoint,
  saveCheckpoint,
  loadCheckpoint,
  checkpointToBlob,
  checkpointFromBlob,
  quantizeCheckpoint,
} from './checkpoint/index.js';
export type { Checkpoint, StoredQuantization, TrainingState, TextOptions } from './checkpoint/index.js';
export type { Int8Matrix, Quantization } from './model/quantize.js';
