/**
 * Command-line parsing for `deeprnn train|generate|eval|export|quantize`: `--flag value` and `--flag=value`, typed
 * results with defaults filled in, and a UsageError (one line, exit code 2) for anything else. `--help`
 * anywhere wins over errors elsewhere on the line, so `deeprnn train --lr x --help` still shows help.
 */
import type { BackendChoice, CellType, Nonlinearity, OptimizerName } from '../model/types.js';
import type { ThreadsOption } from '../backends/wasm/threads.js';
import { DeepRnnError } from '../errors.js';
import { COMMAND_FLAGS, COMMON_FLAGS, type CommandName, type FlagSpec, type FlagType } from './flags.js';
import { helpText } from './help.js';

/** A bad command line: the CLI prints the message on one line and exits with status 2. */
export class UsageError extends DeepRnnError {
  readonly exitCode = 2;

  constructor(message: string) {
    super('E_BAD_OPTION', message);
    this.name = 'UsageError';
  }
}

export interface CommonArgs {
  json: boolean;
  verbose: boolean;
  /** Flags given explicitly on the command line (without dashes), e.g. to tell them from defaults on --resume. */
  given: string[];
}

export interface TrainArgs extends CommonArgs {
  command: 'train';
  cell: CellType;
  nonlinearity: Nonlinearity;
  layers: number;
  hidden: number;
  dropout: number;
  batchSize: number;
  numSteps: number;
  lr: number;
  /** Infinity disables clipping. */
  clip: number;
  optimizer: OptimizerName;
  epochs: number;
  /** 0 keeps the whole corpus. */
  maxTokens: number;
  partition: 'sequential' | 'random';
  seed: number;
  backend: BackendChoice;
  threads: ThreadsOption;
  /** Empty: the default corpus (The Time Machine). */
  data: string[];
  tokenize: 'char' | 'word';
  preprocess: 'd2l' | 'none';
  /** Tokens seen fewer times encode to <unk>; 1 keeps all. */
  minFreq: number;
  lrSchedule: 'constant' | 'step' | 'cosine';
  lrDecay: number;
  lrDecayAfter: number;
  minLr: number;
  warmup: number;
  /** 0: no early stopping. */
  patience: number;
  keepBest: boolean;
  valFrac: number;
  out: string;
  resume: string | null;
}

export interface GenerateArgs extends CommonArgs {
  command: 'generate';
  model: string;
  /** One or more; several run as one batch. */
  prefix: string[];
  length: number;
  /** 0 means greedy. */
  temperature: number;
  /** 0 means no top-k cut. */
  topK: number;
  topP: number;
  seed: number;
  backend: BackendChoice;
  threads: ThreadsOption;
}

export interface EvalArgs extends CommonArgs {
  command: 'eval';
  model: string;
  /** One or more files; each is a source of its own. */
  data: string[];
  backend: BackendChoice;
  threads: ThreadsOption;
}

export interface ExportArgs extends CommonArgs {
  command: 'export';
  model: string;
  format: 'onnx' | 'safetensors';
  out: string;
  /** A JSON token list for files without a vocabulary (torch.onnx exports, TF.js models). */
  vocab: string | null;
}

export interface QuantizeArgs extends CommonArgs {
  command: 'quantize';
  model: string;
  to: 'int8' | 'f16';
  out: string;
}

export interface HelpArgs {
  command: 'help';
  /** The command whose help was asked for; null for the overview. */
  topic: CommandName | null;
  text: string;
}

export type CliArgs = TrainArgs | GenerateArgs | EvalArgs | ExportArgs | QuantizeArgs | HelpArgs;

const COMMANDS: readonly CommandName[] = ['train', 'generate', 'eval', 'export', 'quantize'];

/** Parses `process.argv.slice(2)`. */
export function parseArgs(argv: readonly string[]): CliArgs {
  const [first, ...rest] = argv;
  if (first === undefined)
    throw new UsageError(`missing command: expected ${COMMANDS.join(', ')} (see deeprnn --help)`);
  if (first === '--help' || first === '-h') return help(null);
  if (first === 'help') {
    if (rest.length === 0) return help(null);
    if (rest.length === 1 && isCommand(rest[0])) return help(rest[0]);
    throw new UsageError(`deeprnn help takes one command name (${COMMANDS.join(', ')}), got ${quote(rest.join(' '))}`);
  }
  if (!isCommand(first)) {
    throw new UsageError(`unknown command ${quote(first)}: expected ${COMMANDS.join(', ')} (see deeprnn --help)`);
  }
  return parseCommand(first, rest);
}

function isCommand(s: string): s is CommandName {
  return (COMMANDS as readonly string[]).includes(s);
}

function help(topic: CommandName | null): HelpArgs {
  return { command: 'help', topic, text: helpText(topic) };
}

function parseCommand(command: CommandName, argv: readonly string[]): CliArgs {
  const specs = [...COMMAND_FLAGS[command], ...COMMON_FLAGS];
  const byFlag = new Map(specs.map((s) => [s.flag, s]));
  const values = new Map<string, unknown>();
  const given: string[] = [];
  // The first problem is kept and thrown at the end, so that a later --help still gets through.
  let problem: UsageError | null = null;
  const fail = (message: string) => {
    problem ??= new UsageError(`deeprnn ${command}: ${message}`);
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h') {
      return help(command);
    }
    if (!arg.startsWith('--') || arg === '--') {
      fail(`unexpected argument ${quote(arg)} (flags start with --; see deeprnn ${command} --help)`);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = byFlag.get(name);
    if (spec === undefined) {
      const near = closest(
        name,
        specs.map((s) => s.flag),
      );
      fail(`unknown flag --${quote(name).slice(1, -1)}${near ? ` (did you mean --${near}?)` : ''}`);
      continue;
    }
    let raw: string | undefined;
    if (spec.type.kind === 'bool') {
      if (eq >= 0) {
        fail(`--${name} takes no value, got ${quote(arg.slice(eq + 1))}`);
        continue;
      }
      if (name === 'help') return help(command);
      raw = 'true';
    } else if (eq >= 0) {
      raw = arg.slice(eq + 1);
    } else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) {
      raw = argv[++i];
    } else {
      const next = argv[i + 1];
      fail(
        `--${name} needs a value${next === undefined ? '' : ` (got flag ${quote(next)}; write --${name}=VALUE for a value starting with --)`}`,
      );
      continue;
    }
    if (values.has(spec.key) && !spec.repeatable) {
      fail(`--${name} given more than once`);
      continue;
    }
    try {
      const value = convert(spec, raw);
      if (spec.repeatable) values.set(spec.key, [...((values.get(spec.key) as unknown[]) ?? []), value]);
      else values.set(spec.key, value);
      if (!given.includes(name)) given.push(name);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      fail(e.message);
    }
  }
  if (problem) throw problem;

  const result: Record<string, unknown> = { command, given };
  for (const spec of specs) {
    if (spec.key === 'help') continue;
    if (values.has(spec.key)) result[spec.key] = values.get(spec.key);
    else if (spec.required)
      throw new UsageError(`deeprnn ${command}: --${spec.flag} is required (see deeprnn ${command} --help)`);
    else result[spec.key] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
  }
  if (command === 'train' && result.nonlinearity === 'relu' && result.cell !== 'rnn') {
    throw new UsageError(`deeprnn train: --nonlinearity relu applies only to --cell rnn, not ${String(result.cell)}`);
  }
  return result as unknown as CliArgs;
}

const INT = /^[+-]?\d+$/;
const REAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Converts one flag value, throwing a UsageError that names the flag, the value and what is allowed. */
function convert(spec: FlagSpec, raw: string): unknown {
  const bad = (what: string) => new UsageError(`--${spec.flag} must be ${what}, got ${quote(raw)}`);
  const t: FlagType = spec.type;
  switch (t.kind) {
    case 'string':
      if (raw === '') throw bad('a non-empty string');
      return raw;
    case 'choice':
      if (!t.values.includes(raw)) throw bad(`one of ${t.values.join(', ')}`);
      return raw;
    case 'int': {
      if (t.auto && raw === 'auto') return 'auto';
      const range =
        (t.max === undefined ? `an integer >= ${t.min}` : `an integer in [${t.min}, ${t.max}]`) +
        (t.auto ? " or 'auto'" : '');
      const v = INT.test(raw) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(v) || v < t.min || (t.max !== undefined && v > t.max)) throw bad(range);
      return v;
    }
    case 'number': {
      const lo = `${t.minOpen ? '>' : '>='} ${t.min}`;
      const range =
        t.max === undefined
          ? `a number ${lo}${t.inf ? " (or 'inf')" : ''}`
          : `a number in ${t.minOpen ? '(' : '['}${t.min}, ${t.max}${t.maxOpen ? ')' : ']'}`;
      let v = REAL.test(raw) ? Number(raw) : NaN;
      if (t.inf && /^\+?inf(inity)?$/i.test(raw)) v = Infinity;
      const ok =
        !Number.isNaN(v) &&
        (Number.isFinite(v) || (t.inf === true && v === Infinity)) &&
        (t.minOpen ? v > t.min : v >= t.min) &&
        (t.max === undefined || (t.maxOpen ? v < t.max : v <= t.max));
      if (!ok) throw bad(range);
      return v;
    }
    case 'bool':
      return true;
  }
}

/** Echoes user text safely on one line: quoted, control characters escaped, at most 40 characters. */
function quote(s: string): string {
  const short = s.length > 40 ? `${s.slice(0, 37)}...` : s;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this escapes
  return `'${short.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}'`;
}

/** The flag within edit distance 2 of a mistyped one, for "did you mean". */
function closest(name: string, flags: string[]): string | null {
  let best: string | null = null;
  let bestDistance = 3;
  for (const f of flags) {
    const d = editDistance(name, f);
    if (d < bestDistance) [best, bestDistance] = [f, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

export type { CommandName } from './flags.js';
