// UTF-8 handling. Inputs come from the host as raw bytes, possibly invalid; everything after the first
// pass works on valid UTF-8, so the tokenizer can step over code points by their lead byte.

/** Bytes in the UTF-8 sequence starting with lead byte `b` (valid UTF-8 only). */
// @ts-ignore: decorator
@inline export function seqLength(b: u32): usize {
  return b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
}

/** Code point of the valid sequence at p of length len. */
// @ts-ignore: decorator
@inline export function codePointAt(p: usize, len: usize): u32 {
  const b0 = <u32>load<u8>(p);
  if (len == 1) return b0;
  const b1 = <u32>load<u8>(p, 1) & 0x3f;
  if (len == 2) return ((b0 & 0x1f) << 6) | b1;
  const b2 = <u32>load<u8>(p, 2) & 0x3f;
  if (len == 3) return ((b0 & 0x0f) << 12) | (b1 << 6) | b2;
  return ((b0 & 0x07) << 18) | (b1 << 12) | (b2 << 6) | (<u32>load<u8>(p, 3) & 0x3f);
}

// @ts-ignore: decorator
@inline function putReplacement(o: usize): usize {
  store<u8>(o, 0xef);
  store<u8>(o, 0xbf, 1);
  store<u8>(o, 0xbd, 2);
  return o + 3;
}

/**
 * Copies src[0, n) to dst as valid UTF-8, replacing each maximal ill-formed subpart with U+FFFD exactly as
 * the WHATWG decoder (TextDecoder) does, and turning the line terminators \r\n and \r into \n, as Python's
 * universal-newline reading (which d2l's file reading uses) does. dst needs 3n bytes. Returns bytes written.
 */
export function sanitize(src: usize, n: usize, dst: usize): usize {
  let i: usize = 0;
  let o = dst;
  while (i < n) {
    const b = <u32>load<u8>(src + i);
    if (b < 0x80) {
      if (b == 13) {
        store<u8>(o++, 10);
        i++;
        if (i < n && load<u8>(src + i) == 10) i++;
      } else {
        store<u8>(o++, <u8>b);
        i++;
      }
      continue;
    }
    let need: usize = 0;
    let lower: u32 = 0x80;
    let upper: u32 = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b == 0xe0) lower = 0xa0;
      else if (b == 0xed) upper = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b == 0xf0) lower = 0x90;
      else if (b == 0xf4) upper = 0x8f;
    } else {
      o = putReplacement(o);
      i++;
      continue;
    }
    let j = i + 1;
    let seen: usize = 0;
    while (seen < need && j < n) {
      const c = <u32>load<u8>(src + j);
      if (c < lower || c > upper) break;
      lower = 0x80;
      upper = 0xbf;
      j++;
      seen++;
    }
    if (seen == need) {
      memory.copy(o, src + i, need + 1);
      o += need + 1;
    } else {
      // The lead byte and its valid continuations are one U+FFFD; the byte that broke the sequence is
      // read again as the start of the next one.
      o = putReplacement(o);
    }
    i = j;
  }
  return o - dst;
}
