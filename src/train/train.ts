/**
 * d2l `train_ch8` semantics over any RecurrentModel: per epoch, fresh batches; sequential partitioning
 * carries the (detached) state from batch to batch and starts each epoch from zeros, random partitioning
 * resets it every batch. The loss stays on the device and is read once per epoch.
 */
import { DeepRnnError, check } from '../errors.js';
import type { OptimizerName, RecurrentModel } from '../model/types.js';
import { eventLoopPacer } from '../pace.js';
import { type LrSchedule, checkSchedule, scheduledLr } from './schedule.js';
import type { Batch, Partition } from '../text/index.js';

/** Where batches come from: one call per epoch, reproducible from the epoch index alone (so resume works). */
export interface BatchSource {
  /** The epoch's batches; `length` says how many (an array, or the text module's Batches). */
  epoch(epochIndex: number): Iterable<Batch> & { readonly length: number };
}

/** Where training is within the run, for progress bars. */
export interface TrainProgress {
  epoch: number; // 1-based, the epoch being run
  epochs: number;
  batch: number; // batches of that epoch done
  batches: number; // batches in that epoch
}

export interface TrainLoopOptions {
  epochs: number;
  lr: number;
  clip?: number; // default 1, as d2l
  optimizer?: OptimizerName;
  partition?: Partition;
  /** char-rnn style decay: lr *= rate at the end of every epoch from `after` on (1-based epoch count). */
  /** How the rate changes from epoch to epoch (default constant). */
  schedule?: LrSchedule;
  signal?: AbortSignal;
  /** Called during an epoch, at most every ~100 ms (and after its last batch). */
  onProgress?: (progress: TrainProgress) => void;
  /** Called after every epoch; may be async (the loop awaits it). */
  onEpoch?: (event: EpochEvent, cursor: Readonly<TrainCursor>) => void | Promise<void>;
  /** Validation perplexity for the epoch's event; called once per epoch when given. */
  validate?: () => Promise<{ perplexity: number; bySource?: Record<string, number> }>;
  /** Where to start: set when resuming from a checkpoint. */
  start?: TrainCursor;
}

/** Position in training, enough to continue bit-identically. */
export interface TrainCursor {
  epoch: number; // 0-based epoch being run
  batch: number; // batches of that epoch already done
  lr: number; // the epoch's rate (set from the schedule as the epoch starts)
  lossSum: number; // token-weighted loss of the epoch's batches already done
  tokens: number;
}

export interface EpochEvent {
  epoch: number; // 1-based
  epochs: number;
  trainPerplexity: number;
  valPerplexity?: number;
  /** Per source, when the validation data came as named sources. */
  valPerplexities?: Record<string, number>;
  tokensPerSecond: number;
  elapsedMs: number;
  lr: number;
}

export interface TrainResult {
  aborted: boolean;
  cursor: TrainCursor;
  history: EpochEvent[];
}

export function validateTrainLoopOptions(o: TrainLoopOptions): void {
  check(Number.isInteger(o.epochs) && o.epochs > 0, `epochs must be a positive integer, got ${String(o.epochs)}`);
  check(
    o.partition === undefined || o.partition === 'sequential' || o.partition === 'random',
    `partition must be 'sequential' or 'random', got ${String(o.partition)}`,
  );
  checkSchedule(o.schedule ?? {}, o.lr);
}

const now = () => globalThis.performance.now();

export async function trainLoop(
  model: RecurrentModel,
  source: BatchSource,
  options: TrainLoopOptions,
): Promise<TrainResult> {
  validateTrainLoopOptions(options);
  const partition = options.partition ?? 'sequential';
  const clip = options.clip ?? 1;
  const optimizer = options.optimizer ?? 'sgd';
  const history: EpochEvent[] = [];
  const cursor: TrainCursor = options.start
    ? { ...options.start }
    : { epoch: 0, batch: 0, lr: options.lr, lossSum: 0, tokens: 0 };
  const t0 = now();
  const pace = eventLoopPacer(YIELD_EVERY_MS);

  while (cursor.epoch < options.epochs) {
    cursor.lr = scheduledLr(options.lr, options.schedule ?? {}, cursor.epoch, options.epochs);
    const epochStart = now();
    let tokensThisRun = 0;
    let index = 0;
    const batches = source.epoch(cursor.epoch);
    let lastProgress = -Infinity;
    const progress = () =>
      options.onProgress?.({
        epoch: cursor.epoch + 1,
        epochs: options.epochs,
        batch: cursor.batch,
        batches: batches.length,
      });
    for (const { x, y } of batches) {
      if (index++ < cursor.batch) continue; // resuming inside an epoch
      await pace(); // so that Ctrl-C, a worker's Stop message and UI updates act mid-epoch
      if (options.signal?.aborted) {
        await drainLoss(model, cursor);
        return { aborted: true, cursor, history };
      }
      const resetState = partition === 'random' || cursor.batch === 0;
      model.trainStep(x, y, { optimizer, lr: cursor.lr, clip, resetState });
      cursor.batch++;
      tokensThisRun += x.data.length;
      if (options.onProgress && now() - lastProgress > PROGRESS_EVERY_MS) {
        progress();
        lastProgress = now();
      }
    }
    progress();
    await drainLoss(model, cursor);
    check(cursor.tokens > 0, 'the corpus gives no batch: lower batch size or steps', 'E_CORPUS_TOO_SMALL');
    const meanLoss = cursor.lossSum / cursor.tokens;
    if (!Number.isFinite(meanLoss)) {
      throw new DeepRnnError(
        'E_NOT_FINITE',
        `training loss became ${meanLoss} in epoch ${cursor.epoch + 1}: lower the learning rate or enable clipping`,
      );
    }
    const seconds = (now() - epochStart) / 1000;
    const event: EpochEvent = {
      epoch: cursor.epoch + 1,
      epochs: options.epochs,
      trainPerplexity: Math.exp(meanLoss),
      tokensPerSecond: tokensThisRun / Math.max(seconds, 1e-9),
      elapsedMs: now() - t0,
      lr: cursor.lr,
    };
    if (options.validate) {
      const v = await options.validate();
      event.valPerplexity = v.perplexity;
      if (v.bySource) event.valPerplexities = v.bySource;
    }
    history.push(event);
    cursor.epoch++;
    cursor.batch = 0;
    cursor.lossSum = 0;
    cursor.tokens = 0;
    // The cursor already points at the next epoch, so a checkpoint written here resumes after this one.
    await options.onEpoch?.(event, cursor);
  }
  return { aborted: false, cursor, history };
}

const YIELD_EVERY_MS = 50;
const PROGRESS_EVERY_MS = 100;

async function drainLoss(model: RecurrentModel, cursor: TrainCursor): Promise<void> {
  const { loss, tokens } = await model.readLoss();
  if (tokens > 0) {
    cursor.lossSum += loss * tokens;
    cursor.tokens += tokens;
  }
}
