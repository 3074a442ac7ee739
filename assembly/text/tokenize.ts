// Splits preprocessed (valid UTF-8, \n-terminated lines) text into tokens, as byte ranges into that text.
import { codePointAt, seqLength } from './utf8';

export const LEVEL_CHAR: i32 = 0;
export const LEVEL_WORD: i32 = 1;

/** isSpace for c < 0x80 with one compare and a shift: bits 9-13 (\t \n \v \f \r) and 28-32 (\x1c-\x1f, ' '). */
// @ts-ignore: decorator
@inline function isAsciiSpace(c: u32): bool {
  return c <= 32 && ((<u64>0x1f0003e00 >> <u64>c) & 1) != 0;
}

/** Python's str.isspace() over code points, which str.split() (d2l's word tokenizer) splits on. */
// @ts-ignore: decorator
@inline function isSpace(c: u32): bool {
  if (c < 0x80) return c == 0x20 || (c >= 9 && c <= 13) || (c >= 0x1c && c <= 0x1f);
  return c == 0x85 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 ||
    c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

/**
 * Where token ranges go. tokenizeWith is generic over the sink, so each use (ranges for the host,
 * counting, encoding) compiles to its own loop with the sink's method inlined, and no ranges are stored
 * in between.
 */
export class RangeSink {
  constructor(
    public start: usize, // u32 per token: byte address
    public len: usize, // u32 per token: byte length
    public u16Start: usize, // i32 per token: UTF-16 offset in the text, for the host's string slices
    public u16Len: usize, // i32 per token
  ) {}

  // @ts-ignore: decorator
  @inline token(k: i32, p: usize, len: usize, u16: i32, units: i32): void {
    const at = <usize>k << 2;
    store<u32>(this.start + at, <u32>p);
    store<u32>(this.len + at, <u32>len);
    store<i32>(this.u16Start + at, u16);
    store<i32>(this.u16Len + at, units);
  }
}

/**
 * Tokens of text[0, m) into sink.token(index, ptr, byteLength, u16Offset, u16Length): 'char' gives every
 * code point, 'word' every run of non-whitespace. Lines are tokenized one by one and their tokens
 * concatenated with no separator, as d2l does, so \n is not a token unless `newlines`, when each line
 * break is a "\n" token. Returns the token count (at most the code points in the text).
 */
export function tokenizeWith<S>(text: usize, m: usize, level: i32, newlines: bool, sink: S): i32 {
  let count: i32 = 0;
  let i: usize = 0;
  let u16: i32 = 0;
  if (level == LEVEL_CHAR) {
    while (i < m) {
      const b = <u32>load<u8>(text + i);
      if (b < 0x80) {
        if (b != 10 || newlines) sink.token(count++, text + i, 1, u16, 1);
        i++;
        u16++;
        continue;
      }
      const len = seqLength(b);
      const units: i32 = len == 4 ? 2 : 1;
      sink.token(count++, text + i, len, u16, units);
      i += len;
      u16 += units;
    }
    return count;
  }
  let wordStart: usize = 0;
  let wordU16: i32 = 0;
  let inWord = false;
  while (i < m) {
    const b = <u32>load<u8>(text + i);
    const len = seqLength(b);
    const space = len == 1 ? isAsciiSpace(b) : isSpace(codePointAt(text + i, len));
    if (space) {
      if (inWord) sink.token(count++, wordStart, text + i - wordStart, wordU16, u16 - wordU16);
      inWord = false;
      if (b == 10 && newlines) sink.token(count++, text + i, 1, u16, 1);
    } else if (!inWord) {
      inWord = true;
      wordStart = text + i;
      wordU16 = u16;
    }
    i += len;
    u16 += len == 4 ? 2 : 1;
  }
  if (inWord) sink.token(count++, wordStart, text + m - wordStart, wordU16, u16 - wordU16);
  return count;
}
