/** Training progress: a one-line bar redrawn in place on a terminal, plain log lines otherwise. */
import type { EpochEvent } from '../train/train.js';

export class Progress {
  private drawn = false;

  /** `startEpoch`: epochs already done when this run started (a resumed run's elapsed time covers only the rest). */
  constructor(
    private readonly out: { write(s: string): unknown; isTTY?: boolean },
    private readonly quiet: boolean,
    private readonly startEpoch = 0,
  ) {}

  epoch(e: EpochEvent, backend: string): void {
    if (this.quiet) return;
    const done = e.epoch - this.startEpoch;
    const eta = done > 0 ? ((e.elapsedMs / done) * (e.epochs - e.epoch)) / 1000 : 0;
    const val = e.valPerplexity !== undefined ? ` val ${e.valPerplexity.toFixed(3)}` : '';
    const line = `epoch ${e.epoch}/${e.epochs} perplexity ${e.trainPerplexity.toFixed(3)}${val} ${e.tokensPerSecond.toFixed(0)} tokens/s on ${backend} ETA ${formatSeconds(eta)}`;
    if (this.out.isTTY) {
      const width = 20;
      const filled = Math.round((width * e.epoch) / e.epochs);
      this.out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${line}\x1b[K`);
      this.drawn = true;
    } else if (e.epoch === 1 || e.epoch % 10 === 0 || e.epoch === e.epochs) {
      this.out.write(`${line}\n`);
    }
  }

  done(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}

function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
