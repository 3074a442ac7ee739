/** A corpus: one or several documents as token ids under one vocabulary, and its train/validation/test split. */
import { DeepRnnError, check } from '../errors.js';
import { loadTextCore } from './core.js';
import { buildFromText, Vocab, type VocabOptions } from './vocab.js';
import type { TextInput } from './options.js';

export interface CorpusOptions extends VocabOptions {
  /** Keep only the first maxTokens tokens (d2l's corpus[:max_tokens]); the vocabulary still counts all. */
  maxTokens?: number;
  /** Encode with this vocabulary instead of building one (its tokenize options then apply). */
  vocab?: Vocab;
}

export interface Corpus {
  vocab: Vocab;
  tokens: Int32Array;
}

/**
 * d2l's load_corpus_time_machine for any documents: tokens of all documents, in order, as ids of one
 * vocabulary. No tokens at all (an empty text, or one that preprocesses to nothing) is E_EMPTY_CORPUS.
 */
export async function buildCorpus(
  documents: TextInput | readonly TextInput[],
  options: CorpusOptions = {},
): Promise<Corpus> {
  await loadTextCore();
  return buildCorpusSync(documents, options);
}

/** buildCorpus() for Node and workers, or after `await loadTextCore()`. */
export function buildCorpusSync(documents: TextInput | readonly TextInput[], options: CorpusOptions = {}): Corpus {
  check(typeof options === 'object' && options !== null, 'corpus options must be an object');
  const maxTokens = options.maxTokens ?? 0;
  check(
    options.maxTokens === undefined || (Number.isInteger(maxTokens) && maxTokens > 0 && maxTokens <= 0x7fffffff),
    `maxTokens must be a positive integer, got ${String(options.maxTokens)}`,
  );
  const { vocab } = options;
  if (vocab === undefined) {
    const built = buildFromText(documents, options, maxTokens);
    return { vocab: built.vocab, tokens: built.ids };
  }
  check(vocab instanceof Vocab, 'options.vocab must be a Vocab');
  const list = Array.isArray(documents) ? (documents as readonly TextInput[]) : [documents as TextInput];
  const parts = list.map((d) => vocab.encode(d));
  let total = 0;
  for (const p of parts) total += p.length;
  if (total === 0) throw new DeepRnnError('E_EMPTY_CORPUS', 'the documents have no tokens');
  const tokens = new Int32Array(total);
  let o = 0;
  for (const p of parts) {
    tokens.set(p, o);
    o += p.length;
  }
  return { vocab, tokens: maxTokens > 0 && maxTokens < total ? tokens.slice(0, maxTokens) : tokens };
}

export interface SplitFractions {
  /** Fraction of the tokens for validation, taken after the training part; default 0. */
  validation?: number;
  /** Fraction for the test part, at the end; default 0. Training gets the rest, first. */
  test?: number;
}

export interface CorpusSplit {
  train: Int32Array;
  validation: Int32Array;
  test: Int32Array;
}

/**
 * Contiguous train | validation | test parts (views, no copies), sized floor(fraction * n) for validation
 * and test. Contiguous rather than shuffled, because the iterators need running text.
 */
export function splitCorpus(tokens: Int32Array, fractions: SplitFractions): CorpusSplit {
  check(tokens instanceof Int32Array, 'tokens must be an Int32Array');
  check(typeof fractions === 'object' && fractions !== null, 'fractions must be an object {validation, test}');
  const v = fractions.validation ?? 0;
  const t = fractions.test ?? 0;
  const ok = (f: number) => typeof f === 'number' && f >= 0 && f < 1;
  check(
    ok(v) && ok(t) && v + t < 1,
    `validation and test must be fractions in [0, 1) that leave some training data, got ${v} and ${t}`,
  );
  const n = tokens.length;
  const nTest = Math.floor(t * n);
  const nValidation = Math.floor(v * n);
  const nTrain = n - nTest - nValidation;
  check(nTrain > 0, `no tokens left for training out of ${n}`, 'E_CORPUS_TOO_SMALL');
  return {
    train: tokens.subarray(0, nTrain),
    validation: tokens.subarray(nTrain, nTrain + nValidation),
    test: tokens.subarray(nTrain + nValidation),
  };
}

/** One source (book) of a corpus as token ids. */
export interface SourceTokens {
  name: string;
  tokens: Int32Array;
}

export interface SourcesSplit {
  /** The training part of every source, in order, as one stream. */
  train: Int32Array;
  /** The held-out end of each source (sources whose part is under 2 tokens are left out). */
  validation: SourceTokens[];
}

/**
 * Holds out the end of each source, not of the whole corpus, so that every book is represented in the
 * validation figures (d2l §9.3's exercise on mixing authors asks for each one's perplexity).
 */
export function splitSources(sources: readonly SourceTokens[], validation: number): SourcesSplit {
  const parts = sources.map((s) => ({ name: s.name, ...splitCorpus(s.tokens, { validation }) }));
  const train = new Int32Array(parts.reduce((n, p) => n + p.train.length, 0));
  let at = 0;
  for (const p of parts) {
    train.set(p.train, at);
    at += p.train.length;
  }
  return {
    train,
    validation: parts.filter((p) => p.validation.length >= 2).map((p) => ({ name: p.name, tokens: p.validation })),
  };
}
