/**
 * The text pipeline in plain TypeScript, written as directly from d2l as possible (regexes, split, Map,
 * a stable sort). It is the oracle for the WASM core in the tests and its baseline in bench/.
 */
import type { ResolvedTokenizeOptions } from '../../src/text/options.js';

/** Python's str.isspace() characters: what str.split() splits on. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: Python counts these separators as spaces
const PY_SPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/** Python's readlines() over universal newlines, without the terminators. */
export function readLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function refPreprocess(text: string, mode: 'd2l' | 'none'): string {
  if (mode === 'none') return text.replace(/\r\n?/g, '\n');
  return readLines(text)
    .map((line) =>
      line
        .replace(/[^A-Za-z]+/g, ' ')
        .trim()
        .toLowerCase(),
    )
    .join('\n');
}

export function refTokenize(text: string, o: ResolvedTokenizeOptions): string[] {
  const lines = refPreprocess(text, o.preprocess).split('\n');
  const out: string[] = [];
  lines.forEach((line, i) => {
    if (i > 0 && o.newlines) out.push('\n');
    if (o.tokenize === 'char') out.push(...line);
    else for (const w of line.split(PY_SPACE)) if (w !== '') out.push(w);
  });
  return out;
}

/** d2l's Vocab: returns idx_to_token and each token's count. */
export function refVocab(
  tokens: readonly string[],
  minFreq = 0,
  reserved: readonly string[] = [],
): { tokens: string[]; counts: number[] } {
  const counter = new Map<string, number>();
  for (const t of tokens) counter.set(t, (counter.get(t) ?? 0) + 1);
  const freqs = [...counter].sort((a, b) => b[1] - a[1]);
  const idx = ['<unk>', ...reserved];
  const seen = new Set(idx);
  for (const [t, f] of freqs) {
    if (f < minFreq) break;
    if (!seen.has(t)) {
      idx.push(t);
      seen.add(t);
    }
  }
  return { tokens: idx, counts: idx.map((t) => counter.get(t) ?? 0) };
}

export function refEncode(tokens: readonly string[], vocab: readonly string[]): Int32Array {
  const index = new Map(vocab.map((t, i) => [t, i]));
  return Int32Array.from(tokens, (t) => index.get(t) ?? 0);
}
