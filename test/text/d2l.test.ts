// d2l §9.2-9.3 numbers on the real Time Machine, loaded from the package as users load it.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Vocab,
  buildCorpus,
  loadCorpusTimeMachine,
  loadTextCore,
  loadTimeMachine,
  preprocess,
  tokenize,
} from '../../src/text/index.js';
import { timeMachineText } from '../helpers/data.js';
import { refTokenize, refVocab } from './reference.js';

let text: string;

beforeAll(async () => {
  await loadTextCore();
  text = await loadTimeMachine();
});

describe("d2l's Time Machine", () => {
  it('loads the exact file from the package', () => {
    expect(text).toBe(timeMachineText());
  });

  it('preprocesses to 3,221 lines, as read_time_machine', () => {
    const lines = preprocess(text, 'd2l').split('\n');
    expect(lines.length).toBe(3221);
    expect(lines[0]).toBe('the time machine by h g wells');
    expect(lines[10]).toBe('twinkled and his usually pale face was flushed and animated the');
  });

  it('gives 170,580 char tokens over a vocabulary of 28 with d2l counts', async () => {
    const tokens = tokenize(text);
    expect(tokens.length).toBe(170580);
    const { vocab, tokens: corpus } = await buildCorpus(text);
    expect(corpus.length).toBe(170580);
    expect(vocab.size).toBe(28);
    expect(new Set(vocab.tokens)).toEqual(new Set(['<unk>', ' ', ...'abcdefghijklmnopqrstuvwxyz']));
    const top = vocab.tokens.slice(1, 6).map((t, i) => [t, vocab.counts[i + 1]]);
    expect(top).toEqual([
      [' ', 29927],
      ['e', 17838],
      ['t', 13515],
      ['a', 11704],
      ['i', 10138],
    ]);
    expect(vocab.decode(corpus.subarray(0, 29))).toBe('the time machine by h g wells');
    // The whole order and every count, against the plain-TypeScript d2l.
    const ref = refVocab(refTokenize(text, { preprocess: 'd2l', tokenize: 'char', newlines: false }));
    expect(vocab.tokens).toEqual(ref.tokens);
    expect(Array.from(vocab.counts)).toEqual(ref.counts);
  });

  it('gives a word vocabulary of 4,580 with d2l top ten', () => {
    const vocab = Vocab.fromText(text, { tokenize: 'word' });
    expect(vocab.size).toBe(4580);
    const top = vocab.tokens.slice(1, 11).map((t, i) => [t, vocab.counts[i + 1]]);
    expect(top).toEqual([
      ['the', 2261],
      ['i', 1267],
      ['and', 1245],
      ['of', 1155],
      ['a', 816],
      ['to', 695],
      ['was', 552],
      ['in', 541],
      ['that', 443],
      ['my', 440],
    ]);
    const ref = refVocab(refTokenize(text, { preprocess: 'd2l', tokenize: 'word', newlines: false }));
    expect(vocab.tokens).toEqual(ref.tokens);
    expect(vocab.encode('the time traveller zyzzyva')).toEqual(
      Int32Array.from([1, vocab.index('time'), vocab.index('traveller'), 0]),
    );
  });

  it('cuts the corpus at maxTokens as load_corpus_time_machine, keeping the full vocabulary', async () => {
    const { vocab, tokens } = await loadCorpusTimeMachine({ maxTokens: 10000 });
    expect(tokens.length).toBe(10000);
    expect(vocab.size).toBe(28);
    expect(vocab.decode(tokens.subarray(0, 14))).toBe('the time machi');
  });
});
