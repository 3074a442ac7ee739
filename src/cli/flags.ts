/**
 * The flags of each `deeprnn` command, as data: the parser (args.ts) and the help text (help.ts) both
 * read these tables, so a flag's name, type, range, default and description live in one place.
 * Defaults are d2l §9.3's (LSTM, 2 layers, 256 hidden, batch 32, 35 steps, lr 2, clip 1, 500 epochs,
 * the first 10,000 tokens, sequential partitioning).
 */

import { MAX_THREADS } from '../backends/wasm/threads.js';

export type CommandName = 'train' | 'generate' | 'eval';

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
      help: 'fraction of the corpus (its end) held out for validation, in [0, 1)',
      group: 'Data',
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
      help: 'text to continue',
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
      help: 'text to evaluate, read as one stream from a zero state',
      group: 'Evaluation',
    },
    inferenceBackend,
    inferenceThreads,
  ],
};

export const COMMAND_SUMMARY: Record<CommandName, string> = {
  train: 'train a language model (d2l §9.3 defaults) and save it as a safetensors checkpoint',
  generate: 'continue a prefix with a trained model, streaming to stdout',
  eval: 'perplexity of a trained model on a text',
};
