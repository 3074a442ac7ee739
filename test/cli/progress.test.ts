// The progress line's ETA: a resumed run's elapsed time covers only the epochs it ran itself.
import { describe, expect, it } from 'vitest';
import { Progress } from '../../src/cli/progress.js';
import type { EpochEvent } from '../../src/train/train.js';

const event = (epoch: number, epochs: number, elapsedMs: number): EpochEvent => ({
  epoch,
  epochs,
  trainPerplexity: 5,
  tokensPerSecond: 100,
  elapsedMs,
  lr: 1,
});

function line(progress: (out: { write(s: string): unknown; isTTY: boolean }) => Progress, e: EpochEvent): string {
  let written = '';
  progress({ write: (s: string) => (written += s), isTTY: true }).epoch(e, 'wasm');
  return written;
}

// The line ends in ESC [K (erase to the end of the line) on a terminal.
const ETA_16S = new RegExp(`ETA 16s${String.fromCharCode(27)}\\[K$`);

describe('Progress', () => {
  it('ETA from the epochs this run did: 8 s per epoch, 2 to go, 16 s', () => {
    expect(line((out) => new Progress(out, false), event(2, 4, 16_000))).toMatch(ETA_16S);
    // Resumed after epoch 2: epoch 3 took 8 s of this run, one epoch is left.
    expect(line((out) => new Progress(out, false, 2), { ...event(3, 5, 8_000) })).toMatch(ETA_16S);
  });
});
