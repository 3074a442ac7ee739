/** The text side of deeprnn: preprocessing, tokens, vocabularies, corpora, minibatches, sampling, data. */
export { loadTextCore } from './core.js';
export type { PreprocessMode, TokenLevel, TokenizeOptions, TextInput } from './options.js';
export { preprocess, tokenize } from './tokenize.js';
export { Vocab, UNK } from './vocab.js';
export type { VocabOptions, VocabJson } from './vocab.js';
export { buildCorpus, buildCorpusSync, splitCorpus, splitSources } from './corpus.js';
export type { Corpus, CorpusOptions, CorpusSplit, SourcesSplit, SourceTokens, SplitFractions } from './corpus.js';
export {
  seqDataIterRandom,
  seqDataIterSequential,
  SeqDataLoader,
  batchesPerEpoch,
  minBatchesPerEpoch,
} from './batches.js';
export type { Batch, Batches, BatchOptions, Partition } from './batches.js';
export { Sampler, sampleLogits } from './sampler.js';
export type { SampleOptions, SamplerState, Sampled } from './sampler.js';
export { binaryShare, loadTimeMachine, loadText, loadCorpusTimeMachine, TIME_MACHINE } from './data.js';
export type { LoadOptions } from './data.js';
