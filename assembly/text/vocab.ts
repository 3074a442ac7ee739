// Vocabulary: counting, d2l's order, and the one vocabulary the module holds for encode/decode.
//
// d2l's Vocab: '<unk>' at 0, then the reserved tokens, then the counted tokens by frequency descending,
// ties by first occurrence (Python's stable sort over a Counter in insertion order), stopping at the first
// token below min_freq; a counted token equal to '<unk>' or a reserved one keeps that earlier index.
import { OK, E_BAD_VOCAB, E_EMPTY_CORPUS, E_TOKEN_RANGE } from './status';
import { setOut, setScalar, words } from './mem';
import { TokenTable } from './table';
import { sortU64 } from './sort';
import { tokenizeBytes } from './pipeline';

const UNK = memory.data<u8>([0x3c, 0x75, 0x6e, 0x6b, 0x3e]); // "<unk>"

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
 * Builds a vocabulary from token ranges, makes it the current one, and outputs 0 blob, 1 byte offsets
 * (size + 1), 2 UTF-16 offsets (size + 1), 3 each token's count in these tokens, 4 the tokens encoded
 * (the first maxTokens when maxTokens > 0; the vocabulary still counts them all, as d2l).
 */
function build(starts: usize, lens: usize, nTok: i32, minFreq: i32, resBlob: usize, resOffsets: usize, nRes: i32, maxTokens: i32): i32 {
  if (nTok == 0) return E_EMPTY_CORPUS;
  const counts = new TokenTable(1024);
  const ids = heap.alloc(<usize>nTok << 2);
  for (let t: i32 = 0; t < nTok; t++) {
    const at = <usize>t << 2;
    const e = counts.findOrAdd(<usize>load<u32>(starts + at), <usize>load<u32>(lens + at));
    counts.addCount(e);
    store<i32>(ids + at, e);
  }

  const distinct = counts.size;
  const keys = heap.alloc(<usize>distinct << 3);
  for (let e: i32 = 0; e < distinct; e++) {
    store<u64>(keys + (<usize>e << 3), (<u64>(0xffffffff - <u32>counts.count(e)) << 32) | <u64>e);
  }
  sortU64(keys, distinct);

  const table = new TokenTable(distinct + nRes + 1);
  table.findOrAdd(UNK, 5);
  for (let r: i32 = 0; r < nRes; r++) {
    const from = <usize>load<u32>(resOffsets + (<usize>r << 2));
    const to = <usize>load<u32>(resOffsets + (<usize>(r + 1) << 2));
    if (to <= from || table.findOrAdd(resBlob + from, to - from) != table.size - 1) {
      setScalar(0, r);
      heap.free(ids);
      heap.free(keys);
      counts.dispose();
      table.dispose();
      return E_BAD_VOCAB;
    }
  }
  for (let k: i32 = 0; k < distinct; k++) {
    const e = <i32>(load<u64>(keys + (<usize>k << 3)) & 0xffffffff);
    if (counts.count(e) < minFreq) break;
    table.findOrAdd(counts.ptr(e), counts.len(e));
  }
  heap.free(keys);

  // Entry -> vocabulary index (0 for tokens cut by minFreq), then the tokens through it.
  const remap = heap.alloc(<usize>distinct << 2);
  for (let e: i32 = 0; e < distinct; e++) {
    const id = table.find(counts.ptr(e), counts.len(e));
    store<i32>(remap + (<usize>e << 2), id < 0 ? 0 : id);
  }
  const kept = maxTokens > 0 && maxTokens < nTok ? maxTokens : nTok;
  for (let t: i32 = 0; t < kept; t++) {
    const at = ids + (<usize>t << 2);
    store<i32>(at, load<i32>(remap + (<usize>load<i32>(at) << 2)));
  }
  heap.free(remap);

  const size = table.size;
  const tokenCounts = heap.alloc(<usize>size << 2);
  for (let i: i32 = 0; i < size; i++) {
    const e = counts.find(table.ptr(i), table.len(i));
    store<i32>(tokenCounts + (<usize>i << 2), e < 0 ? 0 : counts.count(e));
  }
  counts.dispose();

  const v = freeze(table);
  setCurrent(v);
  copyOut(0, v.blob, <usize>load<u32>(v.offsets + (<usize>size << 2)), <i32>load<u32>(v.offsets + (<usize>size << 2)));
  copyOut(1, v.offsets, <usize>(size + 1) << 2, size + 1);
  setOut(2, u16Offsets(v), size + 1);
  setOut(3, tokenCounts, size);
  setOut(4, ids, kept);
  return OK;
}

/** Vocabulary of the tokens of a text (see tokenizeBytes); outputs as build. */
export function vocab_build_text(src: usize, n: usize, mode: i32, level: i32, newlines: bool, minFreq: i32, resBlob: usize, resOffsets: usize, nRes: i32, maxTokens: i32): i32 {
  const t = tokenizeBytes(src, n, mode, level, newlines, false);
  const status = build(t.sink.start, t.sink.len, t.count, minFreq, resBlob, resOffsets, nRes, maxTokens);
  t.dispose();
  return status;
}

/** Vocabulary of a token list given as one blob with byte offsets (nTok + 1); outputs as build. */
export function vocab_build_tokens(blob: usize, offsets: usize, nTok: i32, minFreq: i32, resBlob: usize, resOffsets: usize, nRes: i32): i32 {
  const room = words(nTok);
  const starts = heap.alloc(room);
  const lens = heap.alloc(room);
  for (let t: i32 = 0; t < nTok; t++) {
    const from = load<u32>(offsets + (<usize>t << 2));
    store<u32>(starts + (<usize>t << 2), <u32>blob + from);
    store<u32>(lens + (<usize>t << 2), load<u32>(offsets + (<usize>(t + 1) << 2)) - from);
  }
  const status = build(starts, lens, nTok, minFreq, resBlob, resOffsets, nRes, 0);
  heap.free(starts);
  heap.free(lens);
  return status;
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
  const t = tokenizeBytes(src, n, mode, level, newlines, false);
  const ids = heap.alloc(words(t.count));
  for (let k: i32 = 0; k < t.count; k++) {
    const at = <usize>k << 2;
    const e = v.table.find(<usize>load<u32>(t.sink.start + at), <usize>load<u32>(t.sink.len + at));
    store<i32>(ids + at, e < 0 ? 0 : e);
  }
  t.dispose();
  setOut(0, ids, t.count);
  return t.count;
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
