/**
 * The flags of each `deeprnn` command, as data: the parser (args.ts) and the help text (help.ts) both
 * read these tables, so a flag's name, type, range, default and description live in one place.
 * Defaults are d2l §9.3's (LSTM, 2 layers, 256 hidden, batch 32, 35 steps, lr 2, clip 1, 500 epochs,
 * the first 10,000 tokens, sequential partitioning).
 */

import { MAX_THREADS } from '../backends/wasm/threads.js';

export type CommandName = 'train' | 'generate' | 'eval' | 'export' | 'quantize';

export type FlagType =
  /** `auto`: the word 'auto' is a value too. */
  | { kind: 'int'; min: number; max?: number; auto?: boolean }
  /** Real numbers; `min`/`max` are inclusive unless marked open; `inf` admits 'inf'/'Infinity'. */
  | { kind: 'number'; min: number; max?: number; minOpen?: boolean; maxOpen?: boolean; inf?: boolean }
  | { kind: 'choice'; values: readonly string[] }
  | { kind: 'string' }
  | { kind: 'bool' };

export interface FlagSpec {
  /** As typed, without the dashes: 'batch-size'. */
  flag: string;
  /** The field of the parsed result: 'batchSize'. */
  key: string;
  type: FlagType;
  /** Shown after the flag in help: --lr RATE. */
  metavar?: string;
  default?: unknown;
  required?: boolean;
  /** May be given several times; the result is an array in command-line order. */
  repeatable?: boolean;
  help: string;
  group: string;
}

const U32_MAX = 0xffffffff;
const I32_MAX = 0x7fffffff;

const backend: FlagSpec = {
  flag: 'backend',
  key: 'backend',
  type: { kind: 'choice', values: ['wasm', 'webgpu', 'auto'] },
  default: 'auto',
  help: 'compute backend; auto picks WebGPU on a hardware adapter, else WASM',
  group: 'Runtime',
};
/**
 * Threads of the WASM backend. Training splits every step over them (the same numbers for any count), so
 * it takes every core; generating and evaluating run one stream (batch 1), which threads cannot split.
 */
const threads: FlagSpec = {
  flag: 'threads',
  key: 'threads',
  metavar: 'N|auto',
  type: { kind: 'int', min: 1, max: MAX_THREADS, auto: true },
  default: 'auto',
  help: 'CPU threads of the WASM backend (auto: every core)',
  group: 'Runtime',
};
const inferenceThreads: FlagSpec = {
  ...threads,
  default: 1,
  help: 'CPU threads of the WASM backend (auto: every core; one stream gains little)',
};

/**
 * Generating and evaluating read every weight once per token: WASM is the fast path there, so they use
 * it unless WebGPU is asked for, and never load Dawn (whose adapter probe writes warnings to stderr).
 */
const inferenceBackend: FlagSpec = {
  ...backend,
  default: 'wasm',
  help: 'compute backend (auto: WebGPU on a hardware adapter, else WASM)',
};

export const COMMON_FLAGS: FlagSpec[] = [
  {
    flag: 'json',
    key: 'json',
    type: { kind: 'bool' },
    default: false,
    help: 'print one machine-readable JSON object instead of text',
    group: 'Output',
  },
  {
    flag: 'verbose',
    key: 'verbose',
    type: { kind: 'bool' },
    default: false,
    help: 'print stack traces and details on errors',
    group: 'Output',
  },
  { flag: 'help', key: 'help', type: { kind: 'bool' }, default: false, help: 'show this help', group: 'Output' },
];

export const COMMAND_FLAGS: Record<CommandName, FlagSpec[]> = {
  train: [
    {
      flag: 'cell',
      key: 'cell',
      type: { kind: 'choice', values: ['rnn', 'gru', 'lstm'] },
      default: 'lstm',
      help: 'recurrent cell',
      group: 'Model',
    },
    {
      flag: 'nonlinearity',
      key: 'nonlinearity',
      type: { kind: 'choice', values: ['tanh', 'relu'] },
      default: 'tanh',
      help: 'activation of --cell rnn',
      group: 'Model',
    },
    {
      flag: 'layers',
      key: 'layers',
      metavar: 'N',
      type: { kind: 'int', min: 1, max: I32_MAX },
      default: 2,
      help: 'stacked recurrent layers',
      group: 'Model',
    },
    {
      flag: 'hidden',
      key: 'hidden',
      metavar: 'N',
      type: { kind: 'int', min: 1, max: I32_MAX },
      default: 256,
      help: 'hidden units per layer',
      group: 'Model',
    },
    {
      flag: 'dropout',
      key: 'dropout',
      metavar: 'P',
      type: { kind: 'number', min: 0, max: 1, maxOpen: true },
      default: 0,
      help: 'dropout between layers, in [0, 1)',
      group: 'Model',
    },
    {
      flag: 'batch-size',
      key: 'batchSize',
      metavar: 'N',
      type: { kind: 'int', min: 1, max: I32_MAX },
      default: 32,
      help: 'sequences per minibatch',
      group: 'Training',
    },
    {
      flag: 'num-steps',
      key: 'numSteps',
      metavar: 'N',
      type: { kind: 'int', min: 1, max: I32_MAX },
      default: 35,
      help: 'time steps per sequence (truncated BPTT length)',
      group: 'Training',
    },
    {
      flag: 'lr',
      key: 'lr',
      metavar: 'RATE',
      type: { kind: 'number', min: 0, minOpen: true },
      default: 2,
      help: 'learning rate',
      group: 'Training',
    },
    {
      flag: 'clip',
      key: 'clip',
      metavar: 'THETA',
      type: { kind: 'number', min: 0, minOpen: true, inf: true },
      default: 1,
      help: "gradient clipping threshold on the global L2 norm ('inf' disables)",
      group: 'Training',
    },
    {
      flag: 'optimizer',
      key: 'optimizer',
      type: { kind: 'choice', values: ['sgd', 'adam'] },
      default: 'sgd',
      help: 'optimizer',
      group: 'Training',
    },
    {
      flag: 'epochs',
      key: 'epochs',
      metavar: 'N',
      type: { kind: 'int', min: 1, max: I32_MAX },
      default: 500,
      help: 'training epochs',
      group: 'Training',
    },
    {
      flag: 'seed',
      key: 'seed',
      metavar: 'N',
      type: { kind: 'int', min: 0, max: U32_MAX },
      default: 0,
      help: 'seed for initialization, dropout and data order',
      group: 'Training',
    },
    {
      flag: 'data',
      key: 'data',
      metavar: 'FILE',
      type: { kind: 'string' },
      repeatable: true,
      default: [],
      help: 'training text; repeat for several books (default: The Time Machine)',
      group: 'Data',
    },
    {
      flag: 'tokenize',
      key: 'tokenize',
      type: { kind: 'choice', values: ['char', 'word'] },
      default: 'char',
      help: 'tokens are characters or words',
      group: 'Data',
    },
    {
      flag: 'preprocess',
      key: 'preprocess',
      type: { kind: 'choice', values: ['d2l', 'none'] },
      default: 'd2l',
      help: 'd2l: letters only, lower case; none: the text as it is',
      group: 'Data',
    },
    {
      flag: 'min-freq',
      key: 'minFreq',
      metavar: 'N',
      type: { kind: 'int', min: 1, max: I32_MAX },
      default: 1,
      help: 'tokens seen fewer than N times become <unk>',
      group: 'Data',
    },
    {
      flag: 'max-tokens',
      key: 'maxTokens',
      metavar: 'N',
      type: { kind: 'int', min: 0 },
      default: 10000,
      help: 'first N tokens only (0 = all; with --data, all unless given)',
      group: 'Data',
    },
    {
      flag: 'partition',
      key: 'partition',
      type: { kind: 'choice', values: ['sequential', 'random'] },
      default: 'sequential',
      help: 'sequential carries the state across batches; random resets it',
      group: 'Data',
    },
    {
      flag: 'val-frac',
      key: 'valFrac',
      metavar: 'F',
      type: { kind: 'number', min: 0, max: 1, maxOpen: true },
      default: 0,
      help: 'fraction of each file (its end) held out for validation, in [0, 1)',
      group: 'Data',
    },
    {
      flag: 'lr-schedule',
      key: 'lrSchedule',
      type: { kind: 'choice', values: ['constant', 'step', 'cosine'] },
      default: 'constant',
      help: 'how the rate changes per epoch (see --lr-decay, --min-lr)',
      group: 'Schedule',
    },
    {
      flag: 'lr-decay',
      key: 'lrDecay',
      metavar: 'RATE',
      type: { kind: 'number', min: 0, max: 1, minOpen: true },
      default: 0.97,
      help: 'step schedule: factor per epoch',
      group: 'Schedule',
    },
    {
      flag: 'lr-decay-after',
      key: 'lrDecayAfter',
      metavar: 'N',
      type: { kind: 'int', min: 0, max: I32_MAX },
      default: 10,
      help: 'step schedule: first epoch (1-based) after which the rate decays',
      group: 'Schedule',
    },
    {
      flag: 'min-lr',
      key: 'minLr',
      metavar: 'RATE',
      type: { kind: 'number', min: 0 },
      default: 0,
      help: 'cosine schedule: the rate it ends at',
      group: 'Schedule',
    },
    {
      flag: 'warmup',
      key: 'warmup',
      metavar: 'N',
      type: { kind: 'int', min: 0, max: I32_MAX },
      default: 0,
      help: 'epochs of linear warmup at the start',
      group: 'Schedule',
    },
    {
      flag: 'patience',
      key: 'patience',
      metavar: 'N',
      type: { kind: 'int', min: 0, max: I32_MAX },
      default: 0,
      help: 'stop after N epochs without better validation perplexity (0: never)',
      group: 'Schedule',
    },
    {
      flag: 'keep-best',
      key: 'keepBest',
      type: { kind: 'bool' },
      default: false,
      help: 'also save the best validation epoch as OUT.best.safetensors',
      group: 'Files',
    },
    {
      flag: 'out',
      key: 'out',
      metavar: 'FILE',
      type: { kind: 'string' },
      default: 'model.safetensors',
      help: 'checkpoint to write; the curve goes next to it (.svg, .csv)',
      group: 'Files',
    },
    {
      flag: 'resume',
      key: 'resume',
      metavar: 'FILE',
      type: { kind: 'string' },
      default: null,
      help: 'continue training from this checkpoint',
      group: 'Files',
    },
    backend,
    threads,
  ],
  generate: [
    {
      flag: 'model',
      key: 'model',
      metavar: 'FILE',
      type: { kind: 'string' },
      required: true,
      help: 'checkpoint to load',
      group: 'Generation',
    },
    {
      flag: 'prefix',
      key: 'prefix',
      metavar: 'TEXT',
      type: { kind: 'string' },
      required: true,
      repeatable: true,
      help: 'text to continue (repeat: one batch; prefix i uses --seed + i)',
      group: 'Generation',
    },
    {
      flag: 'length',
      key: 'length',
      metavar: 'N',
      type: { kind: 'int', min: 1, max: I32_MAX },
      default: 50,
      help: 'tokens to generate',
      group: 'Generation',
    },
    {
      flag: 'temperature',
      key: 'temperature',
      metavar: 'T',
      type: { kind: 'number', min: 0 },
      default: 1,
      help: 'softmax temperature; 0 picks the most likely token (greedy)',
      group: 'Sampling',
    },
    {
      flag: 'top-k',
      key: 'topK',
      metavar: 'K',
      type: { kind: 'int', min: 0, max: I32_MAX },
      default: 0,
      help: 'sample among the K most likely tokens (0 = all)',
      group: 'Sampling',
    },
    {
      flag: 'top-p',
      key: 'topP',
      metavar: 'P',
      type: { kind: 'number', min: 0, max: 1, minOpen: true },
      default: 1,
      help: 'nucleus sampling: the smallest set with probability >= P, in (0, 1]',
      group: 'Sampling',
    },
    {
      flag: 'seed',
      key: 'seed',
      metavar: 'N',
      type: { kind: 'int', min: 0, max: U32_MAX },
      default: 0,
      help: 'sampling seed',
      group: 'Sampling',
    },
    inferenceBackend,
    inferenceThreads,
  ],
  eval: [
    {
      flag: 'model',
      key: 'model',
      metavar: 'FILE',
      type: { kind: 'string' },
      required: true,
      help: 'checkpoint to load',
      group: 'Evaluation',
    },
    {
      flag: 'data',
      key: 'data',
      metavar: 'FILE',
      type: { kind: 'string' },
      required: true,
      repeatable: true,
      help: 'text to evaluate (repeat: per file and overall), each a stream from a zero state',
      group: 'Evaluation',
    },
    inferenceBackend,
    inferenceThreads,
  ],
  export: [
    {
      flag: 'model',
      key: 'model',
      metavar: 'FILE',
      type: { kind: 'string' },
      required: true,
      help: 'model to convert: .safetensors, .onnx or a TF.js model.json',
      group: 'Export',
    },
    {
      flag: 'format',
      key: 'format',
      type: { kind: 'choice', values: ['onnx', 'safetensors'] },
      default: 'onnx',
      help: 'onnx (opset 17) or a safetensors checkpoint (weights only)',
      group: 'Export',
    },
    {
      flag: 'out',
      key: 'out',
      metavar: 'FILE',
      type: { kind: 'string' },
      required: true,
      help: 'file to write',
      group: 'Export',
    },
    {
      flag: 'vocab',
      key: 'vocab',
      metavar: 'FILE',
      type: { kind: 'string' },
      default: null,
      help: "JSON list of tokens ('<unk>' first) for a model whose file has no vocabulary",
      group: 'Export',
    },
  ],
  quantize: [
    {
      flag: 'model',
      key: 'model',
      metavar: 'FILE',
      type: { kind: 'string' },
      required: true,
      help: 'f32 model to quantize: .safetensors, .onnx or a TF.js model.json',
      group: 'Quantize',
    },
    {
      flag: 'to',
      key: 'to',
      type: { kind: 'choice', values: ['int8', 'f16'] },
      required: true,
      help: 'int8 (a scale per weight row; generation computes in int8) or f16',
      group: 'Quantize',
    },
    {
      flag: 'out',
      key: 'out',
      metavar: 'FILE',
      type: { kind: 'string' },
      required: true,
      help: 'safetensors file to write, for generate and eval (not for training)',
      group: 'Quantize',
    },
  ],
};

export const COMMAND_SUMMARY: Record<CommandName, string> = {
  train: 'train a language model (d2l §9.3 defaults) and save it as a safetensors checkpoint',
  generate: 'continue a prefix with a trained model, streaming to stdout',
  eval: 'perplexity of a trained model on a text',
  export: 'convert a model (safetensors, ONNX, TF.js) to ONNX for ONNX Runtime, or to a deeprnn checkpoint',
  quantize: 'write a smaller checkpoint for generation: int8 weights (a quarter of the size) or f16 (half)',
};
