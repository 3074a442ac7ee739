// Text preprocessing, the first pass over the host's bytes.
import { sanitize } from './utf8';

export const MODE_NONE: i32 = 0;
export const MODE_D2L: i32 = 1;

/** Upper bound on the bytes preprocess writes for n input bytes. */
export function preprocessCapacity(n: usize): usize {
  return n * 3 + 1;
}

/**
 * 'none': the text as valid UTF-8 with line terminators made \n (see sanitize).
 * 'd2l': d2l's read_time_machine, line by line: every run of [^A-Za-z] becomes one space, then strip and
 * lowercase; the lines are joined with \n (a final terminator ends the last line, it adds no empty one).
 * Only ASCII letters survive, so invalid UTF-8 is just more non-letters here.
 * Writes to dst (preprocessCapacity(n) bytes) and returns the bytes written.
 */
export function preprocessInto(src: usize, n: usize, mode: i32, dst: usize): usize {
  if (mode != MODE_D2L) return sanitize(src, n, dst);
  let o = dst;
  // Branch-free over letters and non-letters (they alternate at every word, which would mispredict):
  // 1 when the line has a letter, so a later run of non-letters becomes a space
  let inWord: u32 = 0;
  let gap: u32 = 0; // 1 when a run of non-letters follows the last letter
  let lineOpen = false; // some of the last line has been read
  for (let i: usize = 0; i < n; i++) {
    const b = <u32>load<u8>(src + i);
    if (b == 10 || b == 13) {
      if (b == 13 && i + 1 < n && load<u8>(src + i + 1) == 10) i++;
      store<u8>(o++, 10);
      inWord = 0;
      gap = 0;
      lineOpen = false;
      continue;
    }
    const lower = b | 0x20;
    const letter = <u32>(lower - 0x61 < 26);
    store<u8>(o, 0x20);
    o += <usize>(letter & gap);
    store<u8>(o, <u8>lower);
    o += <usize>letter;
    gap = (gap | inWord) & (letter ^ 1);
    inWord |= letter;
    lineOpen = true;
  }
  // Lines are joined, so a terminator at the very end adds nothing (Python's readlines gives no empty line).
  if (o > dst && !lineOpen) o--;
  return o - dst;
}
