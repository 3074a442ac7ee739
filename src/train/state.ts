/**
 * A training run as data: the recipe it was started with and the cursor where it stands, written into
 * a checkpoint's TrainingState and read back by this one module, so that what is saved and what is
 * restored cannot drift apart. Resuming continues the saved recipe; an option the caller repeats must
 * agree with it (E_BAD_OPTION naming it), except `epochs`, which may extend the run.
 */
import type { EpochRecord, JsonValue, TrainingState } from '../checkpoint/types.js';
import { DeepRnnError, check } from '../errors.js';
import type { OptimizerName, OptimizerState, RecurrentState } from '../model/types.js';
import type { Partition } from '../text/index.js';
import type { TrainCursor } from './train.js';

/** Everything that decides the sequence of training steps, besides the data itself. */
export interface TrainRecipe {
  batchSize: number;
  numSteps: number;
  /** The learning rate the run started with (the cursor holds the current, decayed one). */
  lr: number;
  /** Global-norm clipping threshold; null for none (JSON has no Infinity). */
  clip: number | null;
  optimizer: OptimizerName;
  partition: Partition;
  /** Seeds the batch order. */
  seed: number;
  lrDecay: { rate: number; after: number } | null;
  /** Cosine annealing to `minLr` (instead of lrDecay), null for none. */
  cosine: { minLr: number } | null;
  /** Epochs of linear warmup. */
  warmup: number;
  /** Size and FNV-1a hash of the training tokens: resuming on other data would not continue the run. */
  data: { tokens: number; hash: number };
  /** The caller's own JSON, kept with the run (the CLI keeps its data flags here). */
  extra: { [key: string]: JsonValue };
}

/** The options a resuming caller may repeat; each must equal the recipe's. */
export type RecipeOption = Exclude<keyof TrainRecipe, 'data' | 'extra'>;

export const RECIPE_OPTIONS: readonly RecipeOption[] = [
  'batchSize',
  'numSteps',
  'lr',
  'clip',
  'optimizer',
  'partition',
  'seed',
  'lrDecay',
  'cosine',
  'warmup',
];

/** FNV-1a over the token ids: cheap, and any change of text, vocabulary or cut changes it. */
export function tokensHash(tokens: Int32Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < tokens.length; i++) h = Math.imul(h ^ tokens[i], 0x01000193);
  return h >>> 0;
}

export interface RunState {
  recipe: TrainRecipe;
  cursor: TrainCursor;
}

/** The checkpoint form of a run, with the model's optimizer state, curve and carried state. */
export function toTrainingState(
  run: RunState,
  optimizer: OptimizerState,
  history: EpochRecord[],
  state: RecurrentState | null,
): TrainingState {
  const { recipe, cursor } = run;
  return {
    optimizer,
    epoch: cursor.epoch,
    batch: cursor.batch,
    rng: [recipe.seed],
    options: {
      recipe: {
        ...recipe,
        lrDecay: recipe.lrDecay ? { ...recipe.lrDecay } : null,
        cosine: recipe.cosine ? { ...recipe.cosine } : null,
        data: { ...recipe.data },
      },
      cursor: { lr: cursor.lr, lossSum: cursor.lossSum, tokens: cursor.tokens },
    },
    history,
    state,
  };
}

const bad = (what: string) =>
  new DeepRnnError('E_BAD_CHECKPOINT', `the checkpoint's training state is unusable: ${what}`);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPositiveInt = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The run a checkpoint's TrainingState describes; E_BAD_CHECKPOINT when it is not one this module wrote. */
export function fromTrainingState(t: TrainingState): RunState {
  const r = t.options.recipe;
  const c = t.options.cursor;
  if (!isObject(r) || !isObject(c))
    throw bad('it has no recipe and cursor (written by an older deeprnn? train it again)');
  if (!isPositiveInt(r.batchSize) || !isPositiveInt(r.numSteps))
    throw bad('batchSize and numSteps must be positive integers');
  if (!isFiniteNumber(r.lr) || r.lr <= 0) throw bad('lr must be a number > 0');
  if (r.clip !== null && !(isFiniteNumber(r.clip) && r.clip > 0)) throw bad('clip must be null or a number > 0');
  if (r.optimizer !== 'sgd' && r.optimizer !== 'adam') throw bad(`unknown optimizer ${JSON.stringify(r.optimizer)}`);
  if (r.partition !== 'sequential' && r.partition !== 'random')
    throw bad(`unknown partition ${JSON.stringify(r.partition)}`);
  if (!Number.isInteger(r.seed) || (r.seed as number) < 0 || (r.seed as number) > 0xffffffff)
    throw bad('seed must be a uint32');
  const decay = r.lrDecay;
  if (decay !== null && !(isObject(decay) && isFiniteNumber(decay.rate) && Number.isInteger(decay.after)))
    throw bad('lrDecay must be null or {rate, after}');
  const cosine = r.cosine ?? null;
  if (cosine !== null && !(isObject(cosine) && isFiniteNumber(cosine.minLr)))
    throw bad('cosine must be null or {minLr}');
  const warmup = r.warmup ?? 0;
  if (!Number.isSafeInteger(warmup) || (warmup as number) < 0) throw bad('warmup must be a whole number of epochs');
  const data = r.data;
  if (!isObject(data) || !Number.isSafeInteger(data.tokens) || !Number.isInteger(data.hash))
    throw bad('data must be {tokens, hash}');
  if (!isObject(r.extra)) throw bad('extra must be a JSON object');
  if (!isFiniteNumber(c.lr) || !isFiniteNumber(c.lossSum) || !Number.isSafeInteger(c.tokens))
    throw bad('the cursor must hold lr, lossSum and tokens');
  return {
    recipe: {
      batchSize: r.batchSize,
      numSteps: r.numSteps,
      lr: r.lr,
      clip: r.clip as number | null,
      optimizer: r.optimizer,
      partition: r.partition,
      seed: r.seed as number,
      lrDecay: decay === null ? null : { rate: decay.rate as number, after: decay.after as number },
      cosine: cosine === null ? null : { minLr: cosine.minLr as number },
      warmup: warmup as number,
      data: { tokens: data.tokens as number, hash: data.hash as number },
      extra: r.extra as TrainRecipe['extra'],
    },
    cursor: { epoch: t.epoch, batch: t.batch, lr: c.lr, lossSum: c.lossSum, tokens: c.tokens as number },
  };
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * The saved recipe, checked against what a resuming caller gave (undefined = not given) and the data
 * it resumes on. A disagreement is E_BAD_OPTION naming the option, never a silently different run.
 */
export function resumeRecipe(
  saved: TrainRecipe,
  given: Partial<Record<RecipeOption, unknown>>,
  data: Int32Array,
): TrainRecipe {
  for (const key of RECIPE_OPTIONS) {
    const value = key === 'clip' && given.clip === Infinity ? null : given[key];
    if (value !== undefined && !same(value, saved[key])) {
      throw new DeepRnnError(
        'E_BAD_OPTION',
        `${key} is ${JSON.stringify(value)} but the run being resumed used ${JSON.stringify(saved[key])}; leave it out to continue that run`,
      );
    }
  }
  const hash = tokensHash(data);
  check(
    data.length === saved.data.tokens && hash === saved.data.hash,
    `the training data differ from the run being resumed (${data.length} tokens, hash ${hash}; it had ${saved.data.tokens}, hash ${saved.data.hash}): resume on the same data`,
  );
  return saved;
}
