// The shared first half of every text entry point: host bytes -> preprocessed text -> token ranges.
import { preprocessCapacity, preprocessInto } from './preprocess';
import { TokenSink, tokenizeInto } from './tokenize';
import { setOut, shrink } from './mem';

export class Tokens {
  constructor(
    public text: usize, // preprocessed UTF-8; the ranges point into it
    public textLen: usize,
    public sink: TokenSink,
    public count: i32,
  ) {}

  dispose(): void {
    heap.free(this.text);
    heap.free(this.sink.start);
    heap.free(this.sink.len);
    if (this.sink.u16Start != 0) {
      heap.free(this.sink.u16Start);
      heap.free(this.sink.u16Len);
    }
  }
}

export function tokenizeBytes(src: usize, n: usize, mode: i32, level: i32, newlines: bool, withU16: bool): Tokens {
  const text = heap.alloc(preprocessCapacity(n));
  const m = preprocessInto(src, n, mode, text);
  const room = (m + 1) << 2;
  const sink = new TokenSink(heap.alloc(room), heap.alloc(room), withU16 ? heap.alloc(room) : 0, withU16 ? heap.alloc(room) : 0);
  const count = tokenizeInto(text, m, level, newlines, sink);
  return new Tokens(text, m, sink, count);
}

/** Output 0: the preprocessed text. Returns its byte length. */
export function text_preprocess(src: usize, n: usize, mode: i32): i32 {
  const text = heap.alloc(preprocessCapacity(n));
  const m = preprocessInto(src, n, mode, text);
  setOut(0, shrink(text, m), <i32>m);
  return <i32>m;
}

/**
 * Output 0: the preprocessed text; outputs 1 and 2: each token's UTF-16 offset and length in it, so the
 * host decodes the text once and slices. Returns the token count.
 */
export function text_tokenize(src: usize, n: usize, mode: i32, level: i32, newlines: bool): i32 {
  const t = tokenizeBytes(src, n, mode, level, newlines, true);
  setOut(0, t.text, <i32>t.textLen);
  setOut(1, t.sink.u16Start, t.count);
  setOut(2, t.sink.u16Len, t.count);
  heap.free(t.sink.start);
  heap.free(t.sink.len);
  return t.count;
}
