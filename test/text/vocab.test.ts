// Tokens, vocabularies and corpora: d2l's rules on small texts, Unicode, JSON round trips.
import { beforeAll, describe, expect, it } from 'vitest';
import { Vocab, buildCorpus, loadTextCore, splitCorpus, tokenize } from '../../src/text/index.js';
import { expectCode } from './helpers.js';

beforeAll(() => loadTextCore());

describe('tokenize', () => {
  it('char tokens are code points, not UTF-16 units', () => {
    expect(tokenize('a😀b\u00e9', { preprocess: 'none' })).toEqual(['a', '😀', 'b', 'é']);
    expect(tokenize(new TextEncoder().encode('😀😀'), { preprocess: 'none' })).toEqual(['😀', '😀']);
  });

  it('concatenates lines with no separator unless newlines is set; \\r\\n and \\r are line breaks', () => {
    expect(tokenize('ab\r\ncd\re\n', { preprocess: 'none' })).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(tokenize('ab\r\ncd\re\n', { preprocess: 'none', newlines: true })).toEqual([
      'a',
      'b',
      '\n',
      'c',
      'd',
      '\n',
      'e',
      '\n',
    ]);
    expect(tokenize('Hi, you!\nOK.', { newlines: true })).toEqual([...'hi you', '\n', ...'ok']);
    expect(tokenize('one two\nthree', { tokenize: 'word', preprocess: 'none', newlines: true })).toEqual([
      'one',
      'two',
      '\n',
      'three',
    ]);
  });

  it('word tokens split on what Python str.split() splits on', () => {
    expect(tokenize('a\u3000b\u00a0c\x1fd\u200be', { preprocess: 'none', tokenize: 'word' })).toEqual([
      'a',
      'b',
      'c',
      'd\u200be',
    ]);
    expect(tokenize("  The Time-Traveller's  ", { tokenize: 'word' })).toEqual(['the', 'time', 'traveller', 's']);
  });

  it('gives no tokens for an empty text or one with no letters', () => {
    expect(tokenize('')).toEqual([]);
    expect(tokenize('1984 -- !!!\n\n')).toEqual([]);
  });
});

describe('Vocab', () => {
  it('orders by frequency, ties by first occurrence, <unk> first', () => {
    const v = Vocab.fromText('bab c', { preprocess: 'none' });
    expect(v.tokens).toEqual(['<unk>', 'b', 'a', ' ', 'c']);
    expect(Array.from(v.counts)).toEqual([0, 2, 1, 1, 1]);
    expect(v.encode('cab?')).toEqual(Int32Array.from([4, 2, 1, 0]));
    expect(v.decode([4, 2, 1, 0])).toBe('cab<unk>');
  });

  it('applies minFreq and reserved tokens as d2l', () => {
    const v = Vocab.fromTokens(['a', 'b', 'a', 'c', 'c', 'c', '<pad>'], { minFreq: 2, reserved: ['<pad>', '<eos>'] });
    expect(v.tokens).toEqual(['<unk>', '<pad>', '<eos>', 'c', 'a']);
    expect(Array.from(v.counts)).toEqual([0, 1, 0, 3, 2]);
    expect(v.encode(['b', 'c', '<pad>', 'a'])).toEqual(Int32Array.from([0, 3, 1, 4]));
    expect(v.index('b')).toBe(0);
    expect(v.token(3)).toBe('c');
    expect(v.has('b')).toBe(false);
    expect(v.has('<unk>')).toBe(true);
  });

  it('takes d2l-style lists of lines and infers char or word level', () => {
    const chars = Vocab.fromTokens([
      ['h', 'i'],
      ['h', 'o'],
    ]);
    expect(chars.tokens).toEqual(['<unk>', 'h', 'i', 'o']);
    expect(chars.decode([1, 2])).toBe('hi');
    const words = Vocab.fromTokens([['the', 'cat'], ['the']]);
    expect(words.decode([1, 2, 1])).toBe('the cat the');
    expect(Vocab.fromTokens(['a', 'b'], { tokenize: 'word' }).decode([1, 2])).toBe('a b');
  });

  it('round-trips through JSON identically', () => {
    const v = Vocab.fromText('Grüße, 😀 world! 😀\nsecond line', {
      preprocess: 'none',
      tokenize: 'char',
      newlines: true,
      reserved: ['<bos>'],
    });
    const json = JSON.stringify(v);
    const back = Vocab.fromJSON(json);
    expect(JSON.stringify(back)).toBe(json);
    expect(Vocab.fromJSON(v.toJSON()).toJSON()).toEqual(v.toJSON());
    expect(back.tokens).toEqual(v.tokens);
    expect(back.options).toEqual(v.options);
    const text = 'wörld 😀\nline';
    expect(back.encode(text)).toEqual(v.encode(text));
    expect(back.decode(back.encode('world 😀\n'))).toBe('world 😀\n');
  });

  it('keeps encode and decode right when switching between vocabularies', () => {
    const a = Vocab.fromText('aaab', { preprocess: 'none' });
    const b = Vocab.fromText('bbba', { preprocess: 'none' });
    for (let i = 0; i < 3; i++) {
      expect(a.encode('ab')).toEqual(Int32Array.from([1, 2]));
      expect(b.encode('ab')).toEqual(Int32Array.from([2, 1]));
      expect(a.decode([2, 1])).toBe('ba');
      expect(b.decode([2, 1])).toBe('ab');
    }
  });
});

describe('corpus', () => {
  it('joins several documents under one vocabulary; no document shares a line', async () => {
    const { vocab, tokens } = await buildCorpus(['The cat', 'sat.\nDown', 'cat'], { tokenize: 'word' });
    expect(vocab.tokens).toEqual(['<unk>', 'cat', 'the', 'sat', 'down']);
    expect(vocab.decode(tokens)).toBe('the cat sat down cat');
    const chars = await buildCorpus(['ab', 'cd'], { preprocess: 'none', newlines: true });
    expect(chars.vocab.decode(chars.tokens)).toBe('ab\ncd\n');
  });

  it('cuts at maxTokens, encodes with a given vocabulary, and splits by fraction', async () => {
    const { vocab, tokens } = await buildCorpus('abcabcabca', { preprocess: 'none', maxTokens: 4 });
    expect(vocab.size).toBe(4);
    expect(vocab.decode(tokens)).toBe('abca');
    const again = await buildCorpus(['cab', 'x'], { vocab, preprocess: 'none' });
    expect(again.tokens).toEqual(Int32Array.from([3, 1, 2, 0]));
    const split = splitCorpus(
      Int32Array.from({ length: 100 }, (_, i) => i),
      { validation: 0.1, test: 0.15 },
    );
    expect([split.train.length, split.validation.length, split.test.length]).toEqual([75, 10, 15]);
    expect([split.train[74], split.validation[0], split.test[0], split.test[14]]).toEqual([74, 75, 85, 99]);
    expect(splitCorpus(Int32Array.from([1, 2, 3]), {}).train.length).toBe(3);
  });

  it('refuses bad splits', () => {
    const t = Int32Array.from([1, 2, 3]);
    for (const f of [{ validation: -0.1 }, { test: 1 }, { validation: 0.5, test: 0.5 }, { validation: NaN }]) {
      expectCode(() => splitCorpus(t, f), 'E_BAD_OPTION');
    }
    expectCode(() => splitCorpus(new Int32Array(0), {}), 'E_CORPUS_TOO_SMALL');
  });
});
