/**
 * deeprnn/generate: generation alone, for edge runtimes and pages that only run a trained model. Load a
 * checkpoint, then feed, generate, stream and evaluate, on the WASM forward kernels (build/nn-forward.wasm)
 * - no training, optimizer, checkpoint writing or WebGPU code. The same checkpoint and seed give the same
 * text, bit for bit, as LanguageModel in the full package, in every runtime.
 */
export { TextGenerator } from './lm/text-generator.js';
export type { TextModel, CheckpointSource } from './lm/text-model.js';
export type { BatchToken, GenerateOptions, GeneratedToken } from './lm/generate.js';
export type { Quantization } from './model/quantize.js';
export type { SampleOptions } from './text/sampler.js';
export type { Vocab } from './text/vocab.js';
export type { ForwardModel, RecurrentState, ResolvedConfig } from './model/types.js';
export { DeepRnnError } from './errors.js';
export type { ErrorCode } from './errors.js';
