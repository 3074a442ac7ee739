// Vocabulary: d2l's index order and the one vocabulary the module holds for encode/decode.
//
// d2l's Vocab: '<unk>' at 0, then the reserved tokens, then the counted tokens by frequency descending,
// ties by first occurrence (Python's stable sort over a Counter in insertion order), stopping at the first
// token below min_freq; a counted token equal to '<unk>' or a reserved one keeps that earlier index.
import { OK, E_BAD_VOCAB, E_EMPTY_CORPUS, E_TOKEN_RANGE } from './status';
import { setOut, setScalar, words } from './mem';
import { tokenizeWith } from './tokenize';
import { TokenTable } from './table';
import { EntrySink, byCountDescending, countEntries } from './count';
import { preprocessBytes } from './pipeline';

const UNK = memory.data<u8>([0x3c, 0x75, 0x6e, 0x6b, 0x3e]); // "<unk>"

/** Looks tokens up in a vocabulary: the encoding half of tokenizeWith. */
class EncodeSink {
  constructor(public table: TokenTable, public ids: usize) {}

  // @ts-ignore: decorator
  @inline token(k: i32, p: usize, len: usize, u16: i32, units: i32): void {
    const e = this.table.find(p, len);
    store<i32>(this.ids + (<usize>k << 2), e < 0 ? 0 : e);
  }
}

/** The vocabulary encode and decode use: token i's bytes are blob[offsets[i], offsets[i + 1]). */
class LoadedVocab {
  constructor(public blob: usize, public offsets: usize, public size: i32, public table: TokenTable) {}

  dispose(): void {
    heap.free(this.blob);
    heap.free(this.offsets);
    this.table.dispose();
  }
}

let current: LoadedVocab | null = null;

function setCurrent(v: LoadedVocab | null): void {
  const old = current;
  if (old != null) old.dispose();
  current = v;
}

/** Copies every entry of `table` (in index order) into one blob and points the entries at it. */
function freeze(table: TokenTable): LoadedVocab {
  const size = table.size;
  let total: usize = 0;
  for (let i: i32 = 0; i < size; i++) total += table.len(i);
  const blob = heap.alloc(total > 0 ? total : 1);
  const offsets = heap.alloc(<usize>(size + 1) << 2);
  let o: usize = 0;
  for (let i: i32 = 0; i < size; i++) {
    const len = table.len(i);
    memory.copy(blob + o, table.ptr(i), len);
    table.rebase(i, blob + o);
    store<u32>(offsets + (<usize>i << 2), <u32>o);
    o += len;
  }
  store<u32>(offsets + (<usize>size << 2), <u32>o);
  return new LoadedVocab(blob, offsets, size, table);
}

function copyOut(k: i32, src: usize, bytes: usize, len: i32): void {
  const p = heap.alloc(bytes > 0 ? bytes : 1);
  memory.copy(p, src, bytes);
  setOut(k, p, len);
}

/** UTF-16 offset of every token in the blob, for the host's one-decode-then-slice. */
function u16Offsets(v: LoadedVocab): usize {
  const out = heap.alloc(<usize>(v.size + 1) << 2);
  let u: i32 = 0;
  for (let i: i32 = 0; i < v.size; i++) {
    store<i32>(out + (<usize>i << 2), u);
    const end = v.blob + <usize>load<u32>(v.offsets + (<usize>(i + 1) << 2));
    for (let p = v.blob + <usize>load<u32>(v.offsets + (<usize>i << 2)); p < end; p++) {
      const b = load<u8>(p);
      if ((b & 0xc0) != 0x80) u += b >= 0xf0 ? 2 : 1;
    }
  }
  store<i32>(out + (<usize>v.size << 2), u);
  return out;
}

/**
 * Builds a vocabulary from tokens (`ids` holds each token's entry in `counts`), makes it the
 * current one, and outputs 0 blob, 1 byte offsets (size + 1), 2 UTF-16 offsets (size + 1), 3 each
 * token's count, 4 the tokens encoded (the first maxTokens when maxTokens > 0; the vocabulary still
 * counts them all, as d2l). Frees `counts`; `ids` becomes output 4 (or is freed on error).
 */
function build(counts: TokenTable, ids: usize, nTok: i32, minFreq: i32, resBlob: usize, resOffsets: usize, nRes: i32, maxTokens: i32): i32 {
  if (nTok == 0) {
    heap.free(ids);
    counts.dispose();
    return E_EMPTY_CORPUS;
  }
  countEntries(counts, ids, nTok);
  const distinct = counts.size;
  const order = byCountDescending(counts);

  const table = new TokenTable(distinct + nRes + 1);
  table.findOrAdd(UNK, 5);
  for (let r: i32 = 0; r < nRes; r++) {
    const from = <usize>load<u32>(resOffsets + (<usize>r << 2));
    const to = <usize>load<u32>(resOffsets + (<usize>(r + 1) << 2));
    if (to <= from || table.findOrAdd(resBlob + from, to - from) != table.size - 1) {
      setScalar(0, r);
      heap.free(ids);
      heap.free(order);
      counts.dispose();
      table.dispose();
      return E_BAD_VOCAB;
    }
  }
  // Entry -> vocabulary index as the entries go in (a counted token equal to <unk> or a reserved one gets
  // that index; one cut by minFreq can only be one of those, or <unk>).
  const remap = heap.alloc(words(distinct));
  let k: i32 = 0;
  for (; k < distinct; k++) {
    const e = load<i32>(order + (<usize>k << 2));
    if (counts.count(e) < minFreq) break;
    store<i32>(remap + (<usize>e << 2), table.findOrAdd(counts.ptr(e), counts.len(e)));
  }
  for (; k < distinct; k++) {
    const e = load<i32>(order + (<usize>k << 2));
    store<i32>(remap + (<usize>e << 2), table.find(counts.ptr(e), counts.len(e)));
  }
  heap.free(order);

  const size = table.size;
  const tokenCounts = heap.alloc(words(size));
  memory.fill(tokenCounts, 0, <usize>size << 2);
  for (let e: i32 = 0; e < distinct; e++) {
    const id = load<i32>(remap + (<usize>e << 2));
    if (id >= 0) store<i32>(tokenCounts + (<usize>id << 2), counts.count(e));
    else store<i32>(remap + (<usize>e << 2), 0);
  }
  counts.dispose();
  const kept = maxTokens > 0 && maxTokens < nTok ? maxTokens : nTok;
  for (let t: i32 = 0; t < kept; t++) {
    const at = ids + (<usize>t << 2);
    store<i32>(at, load<i32>(remap + (<usize>load<i32>(at) << 2)));
  }
  heap.free(remap);

  const v = freeze(table);
  setCurrent(v);
  copyOut(0, v.blob, <usize>load<u32>(v.offsets + (<usize>size << 2)), <i32>load<u32>(v.offsets + (<usize>size << 2)));
  copyOut(1, v.offsets, <usize>(size + 1) << 2, size + 1);
  setOut(2, u16Offsets(v), size + 1);
  setOut(3, tokenCounts, size);
  setOut(4, ids, kept);
  return OK;
}

/** Vocabulary of the tokens of a text (preprocessed and tokenized as text_tokenize); outputs as build. */
export function vocab_build_text(src: usize, n: usize, mode: i32, level: i32, newlines: bool, minFreq: i32, resBlob: usize, resOffsets: usize, nRes: i32, maxTokens: i32): i32 {
  const t = preprocessBytes(src, n, mode);
  const counts = new TokenTable(1024);
  const ids = heap.alloc(words(<i32>n)); // at most one token per input byte
  const nTok = tokenizeWith<EntrySink>(t.text, t.len, level, newlines, new EntrySink(counts, ids));
  const status = build(counts, ids, nTok, minFreq, resBlob, resOffsets, nRes, maxTokens);
  heap.free(t.text);
  return status;
}

/** Vocabulary of a token list given as one blob with byte offsets (nTok + 1); outputs as build. */
export function vocab_build_tokens(blob: usize, offsets: usize, nTok: i32, minFreq: i32, resBlob: usize, resOffsets: usize, nRes: i32): i32 {
  const counts = new TokenTable(1024);
  const ids = heap.alloc(words(nTok));
  const sink = new EntrySink(counts, ids);
  for (let t: i32 = 0; t < nTok; t++) {
    const from = load<u32>(offsets + (<usize>t << 2));
    sink.token(t, blob + <usize>from, <usize>(load<u32>(offsets + (<usize>(t + 1) << 2)) - from), 0, 0);
  }
  return build(counts, ids, nTok, minFreq, resBlob, resOffsets, nRes, 0);
}

/**
 * Makes the vocabulary whose token i is blob[offsets[i], offsets[i + 1]) the current one. An empty or
 * repeated token is E_BAD_VOCAB with its index in scalar 0.
 */
export function vocab_load(blob: usize, offsets: usize, size: i32): i32 {
  setCurrent(null);
  const table = new TokenTable(size);
  for (let i: i32 = 0; i < size; i++) {
    const from = <usize>load<u32>(offsets + (<usize>i << 2));
    const to = <usize>load<u32>(offsets + (<usize>(i + 1) << 2));
    if (to <= from || table.findOrAdd(blob + from, to - from) != i) {
      setScalar(0, i);
      table.dispose();
      return E_BAD_VOCAB;
    }
  }
  setCurrent(freeze(table));
  return OK;
}

/** Output 0: the text's tokens as indices of the current vocabulary, unknown ones 0. Returns the count. */
export function vocab_encode(src: usize, n: usize, mode: i32, level: i32, newlines: bool): i32 {
  const v = current;
  if (v == null) return E_BAD_VOCAB;
  const t = preprocessBytes(src, n, mode);
  const ids = heap.alloc(words(<i32>n)); // at most one token per input byte
  const count = tokenizeWith<EncodeSink>(t.text, t.len, level, newlines, new EncodeSink(v.table, ids));
  heap.free(t.text);
  setOut(0, ids, count);
  return count;
}

/**
 * Output 0: the tokens of ids[0, n) as UTF-8, separated by byte `sep` when sep >= 0. An id outside the
 * vocabulary is E_TOKEN_RANGE with its position in scalar 0. Returns the byte length.
 */
export function vocab_decode(ids: usize, n: i32, sep: i32): i32 {
  const v = current;
  if (v == null) return E_BAD_VOCAB;
  let total: usize = 0;
  for (let k: i32 = 0; k < n; k++) {
    const id = load<i32>(ids + (<usize>k << 2));
    if (id < 0 || id >= v.size) {
      setScalar(0, k);
      return E_TOKEN_RANGE;
    }
    total += <usize>(load<u32>(v.offsets + (<usize>(id + 1) << 2)) - load<u32>(v.offsets + (<usize>id << 2)));
  }
  if (sep >= 0 && n > 1) total += <usize>(n - 1);
  const out = heap.alloc(total > 0 ? total : 1);
  let o = out;
  for (let k: i32 = 0; k < n; k++) {
    if (sep >= 0 && k > 0) store<u8>(o++, <u8>sep);
    const id = load<i32>(ids + (<usize>k << 2));
    const from = <usize>load<u32>(v.offsets + (<usize>id << 2));
    const len = <usize>load<u32>(v.offsets + (<usize>(id + 1) << 2)) - from;
    memory.copy(o, v.blob + from, len);
    o += len;
  }
  setOut(0, out, <i32>total);
  return <i32>total;
}
