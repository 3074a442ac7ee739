/**
 * `train --resume`: the checkpoint decides the run. Flags left out take the checkpoint's values; a flag
 * given again must agree with it or the command stops with exit 2 naming the flag. `--epochs` (extend
 * the run), `--out`, `--backend` (WebGPU and WASM agree within 1e-5, not bit for bit) and the data flags
 * may differ: the data must still give the same tokens, which the training state checks by hash.
 */
import type { Checkpoint, JsonValue } from '../checkpoint/index.js';
import { fromTrainingState } from '../train/state.js';
import { UsageError, type TrainArgs } from './args.js';

type Fixed = Record<string, unknown>;

/** What the CLI keeps in the run's recipe (`extra`) so that a resume reads the same data. */
export function dataFlags(args: TrainArgs, maxTokens: number): { [key: string]: JsonValue } {
  return {
    data: [...args.data],
    maxTokens,
    valFrac: args.valFrac,
    minFreq: args.minFreq,
    patience: args.patience,
    keepBest: args.keepBest,
  };
}

/** `args` with every flag not given taken from the checkpoint; UsageError when a given one disagrees. */
export function resumeArgs(args: TrainArgs, ckpt: Checkpoint): TrainArgs {
  const { recipe } = fromTrainingState(ckpt.training!);
  const c = ckpt.config;
  const fixed: Fixed = {
    cell: c.cell,
    nonlinearity: c.nonlinearity,
    layers: c.layers,
    hidden: c.hidden,
    dropout: c.dropout,
    'batch-size': recipe.batchSize,
    'num-steps': recipe.numSteps,
    lr: recipe.lr,
    clip: recipe.clip ?? Infinity,
    optimizer: recipe.optimizer,
    partition: recipe.partition,
    seed: recipe.seed,
    // The vocabulary is the checkpoint's: how it was built cannot change.
    tokenize: ckpt.text.tokenize,
    preprocess: ckpt.text.preprocess,
    'min-freq': typeof recipe.extra.minFreq === 'number' ? recipe.extra.minFreq : 1,
    'lr-schedule': recipe.cosine ? 'cosine' : recipe.lrDecay ? 'step' : 'constant',
    'lr-decay': recipe.lrDecay?.rate ?? args.lrDecay,
    'lr-decay-after': recipe.lrDecay?.after ?? args.lrDecayAfter,
    'min-lr': recipe.cosine?.minLr ?? args.minLr,
    warmup: recipe.warmup,
  };
  const key: Record<string, keyof TrainArgs> = {
    'batch-size': 'batchSize',
    'num-steps': 'numSteps',
    'min-freq': 'minFreq',
    'lr-schedule': 'lrSchedule',
    'lr-decay': 'lrDecay',
    'lr-decay-after': 'lrDecayAfter',
    'min-lr': 'minLr',
  };
  const out: TrainArgs = { ...args };
  for (const [flag, saved] of Object.entries(fixed)) {
    const field = key[flag] ?? (flag as keyof TrainArgs);
    if (args.given.includes(flag)) {
      if (args[field] !== saved) {
        throw new UsageError(
          `deeprnn train: --${flag} ${String(args[field])} disagrees with ${args.resume}, which was trained with ${String(saved)}; leave it out to continue that run`,
        );
      }
    } else {
      (out as unknown as Fixed)[field] = saved;
    }
  }
  const extra = recipe.extra;
  if (!args.given.includes('data') && Array.isArray(extra.data)) out.data = extra.data.map(String);
  if (!args.given.includes('max-tokens') && typeof extra.maxTokens === 'number') {
    out.maxTokens = extra.maxTokens;
    out.given = [...out.given, 'max-tokens'];
  }
  if (!args.given.includes('val-frac') && typeof extra.valFrac === 'number') out.valFrac = extra.valFrac;
  if (!args.given.includes('patience') && typeof extra.patience === 'number') out.patience = extra.patience;
  if (!args.given.includes('keep-best') && extra.keepBest === true) out.keepBest = true;
  return out;
}
