import type { Int8Matrix } from '../model/quantize.js';
import type { OptimizerState, RecurrentState, ResolvedConfig, StateDict } from '../model/types.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** How raw text becomes tokens; stored so that a loaded model reads new text the way it was trained. */
export interface TextOptions {
  preprocess: 'd2l' | 'none';
  tokenize: 'char' | 'word';
  /** Line breaks are tokens (default false, as d2l). */
  newlines?: boolean;
  /** Tokens right after <unk> that the vocabulary reserved (vocab[1..]), e.g. ['<pad>', '<eos>']; default none. */
  reserved?: string[];
}

/** One point of the training curve. */
export interface EpochRecord {
  /** 1-based epoch number. */
  epoch: number;
  trainPerplexity: number;
  /** Absent (or NaN) when there is no validation split. */
  valPerplexity?: number;
  /** Validation perplexity per source file, when the held-out text came from several. */
  valPerplexities?: Record<string, number>;
}

/** What training needs beyond the parameters to continue exactly where it stopped. */
export interface TrainingState {
  /** Optimizer step counter (Adam's t, the dropout mask counter) and Adam's moments when Adam was used. */
  optimizer: OptimizerState;
  /** Epochs completed. */
  epoch: number;
  /** Data cursor: batches already consumed in the epoch after `epoch` (0 at an epoch boundary). */
  batch: number;
  /** The data sampler's RNG state as uint32 words; their meaning belongs to the sampler. */
  rng: number[];
  /** The run's recipe and cursor as JSON, written and read by src/train/state.ts alone. */
  options: { [key: string]: JsonValue };
  /** Per-epoch perplexities so far, so a resumed run can draw its whole curve. */
  history: EpochRecord[];
  /** The carried recurrent state (sequential partitioning), each (layers, batch, hidden); null when none. */
  state: RecurrentState | null;
}

/**
 * How a checkpoint stores its parameters when not as f32 (src/model/quantize.ts has the rules): 'f16'
 * every tensor in half precision; 'int8' the weight matrices as int8 with a scale per row (these
 * matrices), the biases in f32.
 */
export type StoredQuantization = { format: 'f16' } | { format: 'int8'; weights: Record<string, Int8Matrix> };

export interface Checkpoint {
  config: ResolvedConfig;
  /** Tokens in index order; vocab[0] is '<unk>'. */
  vocab: string[];
  text: TextOptions;
  /** The f32 parameters (for a quantized checkpoint: the values its stored tensors stand for). */
  params: StateDict;
  /** Present in training checkpoints only. */
  training?: TrainingState;
  /** Absent: f32. A quantized checkpoint is for generation and evaluation; it holds no training state. */
  quantization?: StoredQuantization;
}
