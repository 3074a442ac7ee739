/**
 * What `deeprnn train` trains on: the --data files (or the Time Machine that ships with deeprnn), cut to
 * --max-tokens, each source's end held out for validation, and the one line that says all of it.
 */
import { DeepRnnError } from '../errors.js';
import {
  TIME_MACHINE,
  binaryShare,
  loadText,
  loadTimeMachine,
  splitSources,
  type SourceTokens,
  type Vocab,
} from '../text/index.js';
import type { TrainArgs } from './args.js';

export interface Source {
  /** Short: a per-source perplexity is reported under it. */
  name: string;
  /** What the data line calls it. */
  label: string;
  text: string;
}

/** A file that is mostly not text is warned about; one with no text at all is refused. */
const BINARY_WARNING = 0.1;

export async function readSources(paths: string[], io: { stderr: { write(s: string): unknown } }): Promise<Source[]> {
  if (paths.length === 0) {
    const label = `${TIME_MACHINE.title} (d2l's ${TIME_MACHINE.file}, shipped with deeprnn)`;
    return [{ name: TIME_MACHINE.file, label, text: await loadTimeMachine() }];
  }
  const sources = await Promise.all(paths.map(async (p) => ({ name: p, label: p, text: await loadText(p) })));
  for (const s of sources) {
    const share = binaryShare(s.text);
    if (share === 1) {
      throw new DeepRnnError(
        'E_EMPTY_CORPUS',
        `${s.name} holds no text: every character is a control character or not UTF-8`,
      );
    }
    if (share > BINARY_WARNING) {
      const percent = (share * 100).toFixed(0);
      io.stderr.write(
        `deeprnn: warning: ${s.name} looks binary, not text (${percent}% of its characters are control characters or not UTF-8)\n`,
      );
    }
  }
  return sources;
}

/**
 * d2l's 10,000-token cut belongs to its Time Machine default; a user's own files are used whole unless
 * --max-tokens is given. 0 keeps everything.
 */
export function maxTokensFor(args: TrainArgs): number {
  if (args.given.includes('max-tokens')) return args.maxTokens;
  return args.data.length === 0 ? args.maxTokens : 0;
}

export interface TrainingData {
  train: Int32Array;
  validation: SourceTokens[];
  /** The data line for the terminal. */
  line: string;
}

/** Encodes each source, keeps the first `maxTokens` of them all (0: all), holds out each one's end. */
export function trainingData(sources: Source[], vocab: Vocab, maxTokens: number, valFrac: number): TrainingData {
  const encoded = sources.map((s) => vocab.encode(s.text));
  const total = encoded.reduce((n, t) => n + t.length, 0);
  let left = maxTokens > 0 ? maxTokens : total;
  const kept: SourceTokens[] = [];
  encoded.forEach((tokens, i) => {
    const n = Math.min(tokens.length, left);
    left -= n;
    if (n > 0) kept.push({ name: sources[i].name, tokens: tokens.subarray(0, n) });
  });
  if (kept.length === 0) throw new DeepRnnError('E_EMPTY_CORPUS', 'the training data have no tokens');
  const split = splitSources(kept, valFrac);
  const used = kept.reduce((n, k) => n + k.tokens.length, 0);
  const fmt = (n: number) => n.toLocaleString('en-US');
  const each = sources.map((s, i) => `${s.label} ${fmt(encoded[i].length)} tokens`).join(', ');
  const cut =
    used < total
      ? `the first ${fmt(used)} of ${fmt(total)} tokens (--max-tokens ${maxTokens}; 0 keeps all)`
      : `${fmt(used)} tokens`;
  return { ...split, line: `data: ${each}; training on ${cut}\n` };
}
