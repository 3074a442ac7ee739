/**
 * Learning-rate schedules, per epoch: a pure function of the epoch index, so a resumed run gets the
 * same rates as one that never stopped. d2l trains at a constant rate; char-rnn decays it by a factor
 * each epoch after some point; cosine annealing with a linear warmup is what going low usually takes.
 */
import { check } from '../errors.js';

export interface LrSchedule {
  /** char-rnn style: after every epoch from `after` on (1-based count), lr *= rate. */
  decay?: { rate: number; after: number } | null;
  /** Cosine annealing from the base rate down to `minLr` over the run's epochs. */
  cosine?: { minLr: number } | null;
  /** Epochs of linear warmup at the start: epoch e (0-based) runs at (e + 1) / warmup of the rate. */
  warmup?: number;
}

export function checkSchedule(s: LrSchedule, lr: number): void {
  if (s.decay) {
    check(s.decay.rate > 0 && s.decay.rate <= 1, `lrDecay.rate must be in (0, 1], got ${s.decay.rate}`);
    check(
      Number.isInteger(s.decay.after) && s.decay.after >= 0,
      `lrDecay.after must be an integer >= 0, got ${s.decay.after}`,
    );
  }
  if (s.cosine) {
    const { minLr } = s.cosine;
    check(Number.isFinite(minLr) && minLr >= 0 && minLr <= lr, `cosine minLr must be in [0, lr = ${lr}], got ${minLr}`);
  }
  check(s.decay == null || s.cosine == null, 'choose one of lrDecay and cosine, not both');
  const warmup = s.warmup ?? 0;
  check(
    Number.isInteger(warmup) && warmup >= 0,
    `warmup must be a whole number of epochs >= 0, got ${String(s.warmup)}`,
  );
}

/** The rate of epoch `epoch` (0-based) of a run of `epochs`. */
export function scheduledLr(lr: number, s: LrSchedule, epoch: number, epochs: number): number {
  let rate = lr;
  if (s.decay) rate = lr * s.decay.rate ** Math.max(0, epoch - s.decay.after + 1);
  if (s.cosine) rate = s.cosine.minLr + ((lr - s.cosine.minLr) * (1 + Math.cos((Math.PI * epoch) / epochs))) / 2;
  const warmup = s.warmup ?? 0;
  return epoch < warmup ? (rate * (epoch + 1)) / warmup : rate;
}
