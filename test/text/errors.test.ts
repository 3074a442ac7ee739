// Every bad input to the text API is a DeepRnnError with its code, never a crash or a silent result.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Vocab,
  buildCorpus,
  buildCorpusSync,
  loadTextCore,
  preprocess,
  tokenize,
  type VocabJson,
} from '../../src/text/index.js';
import { MAX_TEXT_BYTES } from '../../src/text/core.js';
import { expectCode, expectCodeAsync } from './helpers.js';

beforeAll(() => loadTextCore());

describe('E_EMPTY_CORPUS', () => {
  it('an empty text', async () => {
    await expectCodeAsync(() => buildCorpus(''), 'E_EMPTY_CORPUS');
    expectCode(() => Vocab.fromText(''), 'E_EMPTY_CORPUS');
    expectCode(() => Vocab.fromText(new Uint8Array(0), { preprocess: 'none' }), 'E_EMPTY_CORPUS');
    expectCode(() => Vocab.fromTokens([]), 'E_EMPTY_CORPUS');
    expectCode(() => buildCorpusSync([]), 'E_EMPTY_CORPUS');
  });

  it('a text that preprocesses to nothing', async () => {
    const error = await expectCodeAsync(() => buildCorpus('1898 -- 42!\n\n\u00e9\u00e8 ...'), 'E_EMPTY_CORPUS');
    expect(error.message).toContain('d2l');
    expectCode(() => Vocab.fromText('   \n\t ', { preprocess: 'none', tokenize: 'word' }), 'E_EMPTY_CORPUS');
    const vocab = Vocab.fromText('abc');
    await expectCodeAsync(() => buildCorpus('123', { vocab }), 'E_EMPTY_CORPUS');
  });
});

describe('E_BAD_OPTION', () => {
  it('text that is not a string or bytes', () => {
    for (const bad of [42, null, undefined, {}, ['a']]) {
      expectCode(() => preprocess(bad as never), 'E_BAD_OPTION');
      expectCode(() => tokenize(bad as never), 'E_BAD_OPTION');
    }
    for (const bad of [42, null, {}, [42], ['a', null]]) expectCode(() => Vocab.fromText(bad as never), 'E_BAD_OPTION');
    expectCode(() => Vocab.fromText('abc').encode(7 as never), 'E_BAD_OPTION');
  });

  it('unknown preprocessing, tokenizer or flags', () => {
    expectCode(() => preprocess('a', 'lower' as never), 'E_BAD_OPTION');
    expectCode(() => tokenize('a', { preprocess: 'D2L' as never }), 'E_BAD_OPTION');
    expectCode(() => tokenize('a', { tokenize: 'bpe' as never }), 'E_BAD_OPTION');
    expectCode(() => tokenize('a', { newlines: 'yes' as never }), 'E_BAD_OPTION');
    expectCode(() => tokenize('a', 'char' as never), 'E_BAD_OPTION');
  });

  it('bad minFreq, reserved tokens and maxTokens', async () => {
    for (const minFreq of [-1, 1.5, NaN]) expectCode(() => Vocab.fromText('abc', { minFreq }), 'E_BAD_OPTION');
    for (const reserved of [['<unk>'], ['<pad>', '<pad>'], [''], [3], '<pad>']) {
      expectCode(() => Vocab.fromText('abc', { reserved: reserved as never }), 'E_BAD_OPTION');
    }
    for (const maxTokens of [0, -1, 2.5])
      await expectCodeAsync(() => buildCorpus('abc', { maxTokens }), 'E_BAD_OPTION');
    expectCode(() => Vocab.fromTokens(['a', ''] as never), 'E_BAD_OPTION');
    expectCode(() => Vocab.fromTokens(['a', 3] as never), 'E_BAD_OPTION');
    expectCode(() => Vocab.fromTokens(['a', '\ud800']), 'E_BAD_OPTION');
    expect(Vocab.fromTokens(['a', '😀']).tokens).toEqual(['<unk>', 'a', '😀']);
    expectCode(() => Vocab.fromTokens('abc' as never), 'E_BAD_OPTION');
  });
});

describe('E_TOO_LARGE', () => {
  it('a text over the per-call limit, before any copy', () => {
    const huge = new Uint8Array(MAX_TEXT_BYTES + 1);
    expectCode(() => tokenize(huge), 'E_TOO_LARGE');
    expectCode(() => Vocab.fromText(huge), 'E_TOO_LARGE');
    expect(tokenize('still works')).toEqual([...'still works']);
  });
});

describe('E_TOKEN_RANGE', () => {
  it('ids outside the vocabulary', () => {
    const v = Vocab.fromText('abc');
    expectCode(() => v.decode([1, 4]), 'E_TOKEN_RANGE');
    expectCode(() => v.decode([-1]), 'E_TOKEN_RANGE');
    expectCode(() => v.decode([1.5]), 'E_TOKEN_RANGE');
    expect(expectCode(() => v.decode(Int32Array.from([1, 2, 99])), 'E_TOKEN_RANGE').message).toContain('ids[2] = 99');
    expectCode(() => v.token(4), 'E_TOKEN_RANGE');
  });
});

describe('E_BAD_VOCAB', () => {
  const good = Vocab.fromText('hello world', { tokenize: 'word' }).toJSON();
  const variants: Array<[string, unknown]> = [
    ['truncated JSON', JSON.stringify(good).slice(0, 30)],
    ['not JSON at all', 'vocab'],
    ['null', 'null'],
    ['an array', '[]'],
    ['another format', { ...good, format: 'torchtext' }],
    ['another version', { ...good, version: 2 }],
    ['no tokens', { ...good, tokens: undefined }],
    ['tokens not an array', { ...good, tokens: 'abc' }],
    ['<unk> not first', { ...good, tokens: ['hello', '<unk>', 'world'] }],
    ['a repeated token', { ...good, tokens: ['<unk>', 'hello', 'hello'] }],
    ['an empty token', { ...good, tokens: ['<unk>', '', 'world'] }],
    ['a non-string token', { ...good, tokens: ['<unk>', 5, 'world'] }],
    ['a lone surrogate', { ...good, tokens: ['<unk>', '\ud800', 'world'] }],
    ['counts of another length', { ...good, counts: [0, 1] }],
    ['a negative count', { ...good, counts: [0, -1, 1] }],
    ['reserved not after <unk>', { ...good, reserved: ['world'] }],
    ['a bad tokenizer', { ...good, tokenize: 'bpe' }],
    ['a bad preprocessing', { ...good, preprocess: 'upper' }],
  ];
  for (const [what, json] of variants) {
    it(`refuses a vocabulary JSON with ${what}`, () => {
      expectCode(() => Vocab.fromJSON(json as string | VocabJson), 'E_BAD_VOCAB');
    });
  }
});
