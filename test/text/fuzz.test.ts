// Seeded fuzz: 10,000 random byte strings (invalid UTF-8 included) through preprocessing, tokenization,
// vocabulary and encode/decode, checked against the plain-TypeScript d2l (reference.ts) and TextDecoder.
import { beforeAll, describe, expect, it } from 'vitest';
import { counterUniform } from '../../src/model/params.js';
import { DeepRnnError } from '../../src/errors.js';
import { Vocab, loadTextCore, preprocess, tokenize } from '../../src/text/index.js';
import type { ResolvedTokenizeOptions } from '../../src/text/options.js';
import { refEncode, refPreprocess, refTokenize, refVocab } from './reference.js';

beforeAll(() => loadTextCore());

const CASES = 10_000;
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** Random bytes biased towards what breaks text code: letters, breaks, whitespace, UTF-8 pieces, junk. */
function randomBytes(seed: number): Uint8Array {
  let k = 0;
  const u = () => counterUniform(seed, k++);
  const pieces: number[][] = [
    [0x0a],
    [0x0d],
    [0x0d, 0x0a],
    [0x20],
    [0x09],
    [0xc2, 0xa0],
    [0xe3, 0x80, 0x80],
    [0xf0, 0x9f, 0x98, 0x80],
    [0xc3, 0xa9],
    [0xed, 0xa0, 0x80],
    [0xf4, 0x90, 0x80, 0x80],
    [0xe0, 0x80],
    [0xef, 0xbb, 0xbf],
    [0x00],
    [0xff],
    [0x80],
    [0xf0, 0x9f],
  ];
  const length = Math.floor(u() * 48);
  const out: number[] = [];
  for (let i = 0; i < length; i++) {
    const r = u();
    if (r < 0.4) out.push((u() < 0.5 ? 0x41 : 0x61) + Math.floor(u() * 26));
    else if (r < 0.7) out.push(...pieces[Math.floor(u() * pieces.length)]);
    else out.push(Math.floor(u() * 256));
  }
  return Uint8Array.from(out);
}

const configs: ResolvedTokenizeOptions[] = [];
for (const preprocess of ['d2l', 'none'] as const) {
  for (const tokenize of ['char', 'word'] as const)
    for (const newlines of [false, true]) configs.push({ preprocess, tokenize, newlines });
}

describe('fuzz', () => {
  it(`${CASES} random byte strings: same as the reference, typed errors only, decode(encode(x)) round trips`, () => {
    const failures: string[] = [];
    const fail = (i: number, what: string) => {
      if (failures.length < 10) failures.push(`case ${i}: ${what}`);
    };
    let roundTrips = 0;
    // A fixed vocabulary that does not know every token, for encode/decode of unseen text.
    const fixed = Vocab.fromText('The quick brown fox jumps over the lazy dog 😀\n', {
      preprocess: 'none',
      newlines: true,
    });
    for (let i = 0; i < CASES; i++) {
      const bytes = randomBytes(i);
      const text = decoder.decode(bytes);
      try {
        for (const mode of ['d2l', 'none'] as const) {
          if (preprocess(bytes, mode) !== refPreprocess(text, mode)) fail(i, `preprocess ${mode}`);
        }
        const o = configs[i % configs.length];
        const tokens = tokenize(bytes, o);
        const ref = refTokenize(text, o);
        if (JSON.stringify(tokens) !== JSON.stringify(ref)) fail(i, `tokenize ${JSON.stringify(o)}`);
        if (ref.length === 0) {
          let code = '';
          try {
            Vocab.fromText(bytes, o);
          } catch (error) {
            code = (error as DeepRnnError).code;
          }
          if (code !== 'E_EMPTY_CORPUS') fail(i, `no tokens gave ${code || 'no error'}`);
        } else {
          const vocab = Vocab.fromText(bytes, o);
          const refV = refVocab(ref);
          if (JSON.stringify(vocab.tokens) !== JSON.stringify(refV.tokens)) fail(i, 'vocabulary order');
          const ids = vocab.encode(bytes);
          if (ids.join() !== refEncode(ref, refV.tokens).join()) fail(i, 'encode');
          // Every token is in this vocabulary, so decoding gives the tokens back, joined.
          if (vocab.decode(ids) !== ref.join(o.tokenize === 'word' ? ' ' : '')) fail(i, 'decode(encode(x))');
          if (i % 10 === 0 && Vocab.fromJSON(JSON.stringify(vocab)).decode(ids) !== vocab.decode(ids))
            fail(i, 'JSON round trip');
          roundTrips++;
        }
        const unseen = refTokenize(text, fixed.options);
        const fixedIds = fixed.encode(bytes);
        if (fixedIds.join() !== refEncode(unseen, fixed.tokens).join()) fail(i, 'encode with a fixed vocabulary');
        if (fixed.decode(fixedIds) !== unseen.map((t) => (fixed.has(t) ? t : '<unk>')).join(''))
          fail(i, 'decode with unknowns');
      } catch (error) {
        fail(
          i,
          error instanceof DeepRnnError
            ? `unexpected ${error.code}: ${error.message}`
            : `untyped error ${String(error)}`,
        );
      }
    }
    expect(failures).toEqual([]);
    expect(roundTrips).toBeGreaterThan(CASES / 2);
  });

  it('preprocess "none" of bytes is exactly TextDecoder on every invalid sequence', () => {
    for (let i = 0; i < 2000; i++) {
      const bytes = Uint8Array.from({ length: 1 + (i % 9) }, (_, k) => Math.floor(counterUniform(i + 1e6, k) * 256));
      const expected = decoder.decode(bytes).replace(/\r\n?/g, '\n');
      const got = preprocess(bytes, 'none');
      if (got !== expected) expect({ bytes: [...bytes], got }).toEqual({ bytes: [...bytes], got: expected });
    }
  });
});
