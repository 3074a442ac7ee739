// The text core's exports (raw bindings; src/text/core.ts is the only caller). Modules by concern:
// mem (host buffers), utf8, preprocess, tokenize, table (token hash table), count, vocab, batch, sample,
// sort, rng.
export { alloc, free, out_ptr, out_len, scalar, release } from './mem';
export { text_preprocess, text_tokenize } from './pipeline';
export { vocab_build_text, vocab_build_tokens, vocab_load, vocab_encode, vocab_decode } from './vocab';
export { batches } from './batch';
export { sample } from './sample';
export { rng_mix32 } from './rng';
