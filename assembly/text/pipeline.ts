// The first half of every text entry point: host bytes -> preprocessed text (-> token ranges for the host).
import { preprocessCapacity, preprocessInto } from './preprocess';
import { RangeSink, tokenizeWith } from './tokenize';
import { setOut, shrink, words } from './mem';

/** The preprocessed text of the host's bytes: a heap block the caller frees. */
export class Preprocessed {
  constructor(public text: usize, public len: usize) {}
}

export function preprocessBytes(src: usize, n: usize, mode: i32): Preprocessed {
  const text = heap.alloc(preprocessCapacity(n));
  return new Preprocessed(text, preprocessInto(src, n, mode, text));
}

/** Output 0: the preprocessed text. Returns its byte length. */
export function text_preprocess(src: usize, n: usize, mode: i32): i32 {
  const t = preprocessBytes(src, n, mode);
  setOut(0, shrink(t.text, t.len), <i32>t.len);
  return <i32>t.len;
}

/**
 * Output 0: the preprocessed text; outputs 1 and 2: each token's UTF-16 offset and length in it, so the
 * host decodes the text once and slices. Returns the token count.
 */
export function text_tokenize(src: usize, n: usize, mode: i32, level: i32, newlines: bool): i32 {
  const t = preprocessBytes(src, n, mode);
  const room = words(<i32>n); // each input byte gives at most one code point, so at most one token
  const sink = new RangeSink(heap.alloc(room), heap.alloc(room), heap.alloc(room), heap.alloc(room));
  const count = tokenizeWith<RangeSink>(t.text, t.len, level, newlines, sink);
  setOut(0, t.text, <i32>t.len);
  setOut(1, sink.u16Start, count);
  setOut(2, sink.u16Len, count);
  heap.free(sink.start);
  heap.free(sink.len);
  return count;
}
