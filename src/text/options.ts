/** How text becomes tokens; shared by tokenize(), Vocab and buildCorpus(). */
import { check } from '../errors.js';

export type PreprocessMode = 'd2l' | 'none';
export type TokenLevel = 'char' | 'word';

export interface TokenizeOptions {
  /**
   * 'd2l' (default): per line, every run of non-letters [^A-Za-z]+ becomes one space, then strip and
   * lowercase, as d2l's read_time_machine. 'none': the text as it is.
   * Both read line terminators \r\n and \r as \n, as Python's text files (and so d2l) do.
   */
  preprocess?: PreprocessMode;
  /** 'char' (default): every Unicode code point is a token. 'word': split on whitespace (Python's str.split()). */
  tokenize?: TokenLevel;
  /**
   * Lines are tokenized one by one and their tokens concatenated with no separator, as d2l does, so line
   * breaks are not tokens. true makes each line break a "\n" token (what a char model of verse wants).
   */
  newlines?: boolean;
}

export type ResolvedTokenizeOptions = Required<TokenizeOptions>;

/** Text input: a string, or UTF-8 bytes (invalid sequences read as U+FFFD, as TextDecoder does). */
export type TextInput = string | Uint8Array;

export function resolveTokenizeOptions(o: TokenizeOptions | undefined): ResolvedTokenizeOptions {
  check(o === undefined || (typeof o === 'object' && o !== null), 'tokenize options must be an object');
  const preprocess = o?.preprocess ?? 'd2l';
  const tokenize = o?.tokenize ?? 'char';
  const newlines = o?.newlines ?? false;
  check(preprocess === 'd2l' || preprocess === 'none', `preprocess must be 'd2l' or 'none', got ${String(preprocess)}`);
  check(tokenize === 'char' || tokenize === 'word', `tokenize must be 'char' or 'word', got ${String(tokenize)}`);
  check(typeof newlines === 'boolean', `newlines must be a boolean, got ${String(newlines)}`);
  return { preprocess, tokenize, newlines };
}

export function checkText(text: unknown, what = 'text'): asserts text is TextInput {
  check(
    typeof text === 'string' || text instanceof Uint8Array,
    `${what} must be a string or a Uint8Array of UTF-8, got ${describe(text)}`,
  );
}

export function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

/** The integers the core takes for each option (assembly/text/preprocess.ts, tokenize.ts). */
export const modeCode = (m: PreprocessMode): number => (m === 'd2l' ? 1 : 0);
export const levelCode = (l: TokenLevel): number => (l === 'word' ? 1 : 0);
