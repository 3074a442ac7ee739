// Splits preprocessed (valid UTF-8, \n-terminated lines) text into tokens, as byte ranges into that text.
import { codePointAt, seqLength } from './utf8';

export const LEVEL_CHAR: i32 = 0;
export const LEVEL_WORD: i32 = 1;

/** Python's str.isspace() over code points, which str.split() (d2l's word tokenizer) splits on. */
// @ts-ignore: decorator
@inline function isSpace(c: u32): bool {
  if (c < 0x80) return c == 0x20 || (c >= 9 && c <= 13) || (c >= 0x1c && c <= 0x1f);
  return c == 0x85 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 ||
    c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

/** Where tokenize writes: byte start and length of each token and, when u16Start != 0, UTF-16 ones. */
export class TokenSink {
  constructor(
    public start: usize, // u32 per token: byte address
    public len: usize, // u32 per token: byte length
    public u16Start: usize, // i32 per token: UTF-16 offset in the text, for the host's string slices
    public u16Len: usize, // i32 per token
  ) {}
}

/**
 * Tokens of text[0, m): 'char' gives every code point, 'word' every run of non-whitespace. Lines are
 * tokenized one by one and their tokens concatenated with no separator, as d2l does, so \n is not a
 * token unless `newlines`, when each line break is a "\n" token. The sink needs room for m tokens.
 * Returns the token count.
 */
export function tokenizeInto(text: usize, m: usize, level: i32, newlines: bool, sink: TokenSink): i32 {
  let count: i32 = 0;
  let i: usize = 0;
  let u16: i32 = 0;
  let wordStart: usize = 0;
  let wordU16: i32 = 0;
  let inWord = false;
  const withU16 = sink.u16Start != 0;
  while (i < m) {
    const b = <u32>load<u8>(text + i);
    const len = seqLength(b);
    const units: i32 = len == 4 ? 2 : 1;
    const isBreak = b == 10;
    if (level == LEVEL_CHAR) {
      if (!isBreak || newlines) {
        emit(sink, count++, text + i, len, u16, units, withU16);
      }
    } else {
      const space = isBreak || isSpace(len == 1 ? b : codePointAt(text + i, len));
      if (space) {
        if (inWord) emit(sink, count++, wordStart, text + i - wordStart, wordU16, u16 - wordU16, withU16);
        inWord = false;
        if (isBreak && newlines) emit(sink, count++, text + i, 1, u16, 1, withU16);
      } else if (!inWord) {
        inWord = true;
        wordStart = text + i;
        wordU16 = u16;
      }
    }
    i += len;
    u16 += units;
  }
  if (inWord) emit(sink, count++, wordStart, text + m - wordStart, wordU16, u16 - wordU16, withU16);
  return count;
}

// @ts-ignore: decorator
@inline function emit(sink: TokenSink, k: i32, p: usize, len: usize, u16: i32, units: i32, withU16: bool): void {
  const at = <usize>k << 2;
  store<u32>(sink.start + at, <u32>p);
  store<u32>(sink.len + at, <u32>len);
  if (withU16) {
    store<i32>(sink.u16Start + at, u16);
    store<i32>(sink.u16Len + at, units);
  }
}
