/**
 * d2l's Vocab, built and applied in the WASM text core: '<unk>' at 0, then the reserved tokens, then the
 * counted tokens by frequency descending, ties by first occurrence, down to minFreq.
 */
import { DeepRnnError, check } from '../errors.js';
import { checkStatus, withCore, type CoreCall, type TextExports } from './core.js';
import {
  checkText,
  describe,
  levelCode,
  modeCode,
  resolveTokenizeOptions,
  type ResolvedTokenizeOptions,
  type TextInput,
  type TokenizeOptions,
} from './options.js';

export const UNK = '<unk>';

export interface VocabOptions extends TokenizeOptions {
  /** Tokens seen fewer times are left out (they encode to <unk>); default 0 keeps all, as d2l. */
  minFreq?: number;
  /** Tokens placed right after <unk> (indices 1, 2, ...), e.g. ['<pad>', '<bos>', '<eos>']. */
  reserved?: readonly string[];
}

/** The JSON form of a Vocab: toJSON() gives it, Vocab.fromJSON() reads it back identically. */
export interface VocabJson {
  format: 'deeprnn.vocab';
  version: 1;
  preprocess: ResolvedTokenizeOptions['preprocess'];
  tokenize: ResolvedTokenizeOptions['tokenize'];
  newlines: boolean;
  reserved: string[];
  tokens: string[];
  counts: number[];
}

const encoder = new TextEncoder();
/** A UTF-16 surrogate not in a pair: it has no UTF-8 form, so two such tokens would be one to the core. */
const LONE_SURROGATE = /\p{Cs}/u;

/** The Vocab whose table the core (that instance) holds; encode/decode reload only when either changes. */
let loaded: { vocab: Vocab; core: TextExports } | undefined;

export class Vocab {
  /** Token of each index; tokens[0] is '<unk>'. */
  readonly tokens: readonly string[];
  /** How often each token occurred in the text it was built from (0 for <unk> and unused reserved ones). */
  readonly counts: Int32Array;
  /** How encode() and decode() turn text into tokens and back. */
  readonly options: ResolvedTokenizeOptions;
  readonly reserved: readonly string[];
  private indexOf?: Map<string, number>;

  private constructor(
    tokens: string[],
    counts: Int32Array,
    options: ResolvedTokenizeOptions,
    reserved: readonly string[],
  ) {
    this.tokens = Object.freeze(tokens);
    this.counts = counts;
    this.options = Object.freeze({ ...options });
    this.reserved = Object.freeze([...reserved]);
  }

  /** The vocabulary of one text or several (documents are separated by a line break). */
  static fromText(text: TextInput | readonly TextInput[], options?: VocabOptions): Vocab {
    return buildFromText(text, options, 0).vocab;
  }

  /**
   * The vocabulary of a token list (or a list of lines of tokens, as d2l's Vocab takes). The options say
   * how encode(text) tokenizes and decode() joins ('' for 'char', ' ' for 'word'): preprocess defaults to
   * 'none', and tokenize to 'char' when every token is one code point, else 'word'.
   */
  static fromTokens(tokens: readonly string[] | readonly (readonly string[])[], options?: VocabOptions): Vocab {
    check(Array.isArray(tokens), `tokens must be an array of strings, got ${describe(tokens)}`);
    const flat = (tokens as readonly unknown[]).flat() as unknown[];
    for (const t of flat) {
      check(
        typeof t === 'string' && t.length > 0 && !LONE_SURROGATE.test(t),
        `every token must be a non-empty, well-formed string, got ${JSON.stringify(t)}`,
      );
    }
    const list = flat as string[];
    const level = options?.tokenize ?? (list.every((t) => [...t].length === 1) ? 'char' : 'word');
    const o = resolveTokenizeOptions({ preprocess: 'none', ...options, tokenize: level });
    const { minFreq, reserved } = resolveVocabOptions(options);
    if (list.length === 0) throw new DeepRnnError('E_EMPTY_CORPUS', 'cannot build a vocabulary from no tokens');
    return withCore((call) => {
      const [blob, offsets] = call.strings(list);
      const [resBlob, resOffsets] = call.strings(reserved);
      const status = call.wasm.vocab_build_tokens(
        blob,
        offsets,
        list.length,
        minFreq,
        resBlob,
        resOffsets,
        reserved.length,
      );
      checkStatus(call, status, (_, at) => `reserved token ${JSON.stringify(reserved[at])} is repeated or empty`);
      return readBuilt(call, o, reserved).vocab;
    });
  }

  /** Reads toJSON()'s output (an object or its JSON text); anything malformed is E_BAD_VOCAB. */
  static fromJSON(json: string | VocabJson): Vocab {
    let v: unknown = json;
    if (typeof json === 'string') {
      try {
        v = JSON.parse(json);
      } catch (error) {
        throw new DeepRnnError('E_BAD_VOCAB', `vocabulary JSON does not parse: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
    const bad = (why: string): never => {
      throw new DeepRnnError('E_BAD_VOCAB', `malformed vocabulary JSON: ${why}`);
    };
    if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(`expected an object, got ${describe(v)}`);
    const o = v as Record<string, unknown>;
    if (o.format !== 'deeprnn.vocab' || o.version !== 1) bad(`format must be 'deeprnn.vocab' version 1`);
    let options: ResolvedTokenizeOptions;
    try {
      options = resolveTokenizeOptions({
        preprocess: o.preprocess as never,
        tokenize: o.tokenize as never,
        newlines: o.newlines as never,
      });
    } catch (error) {
      return bad((error as Error).message);
    }
    const isTokenList = (a: unknown): a is string[] =>
      Array.isArray(a) && a.every((t) => typeof t === 'string' && t.length > 0 && !LONE_SURROGATE.test(t));
    if (!isTokenList(o.tokens)) return bad('tokens must be an array of non-empty, well-formed strings');
    if (!isTokenList(o.reserved)) return bad('reserved must be an array of non-empty, well-formed strings');
    const tokens = o.tokens;
    const reserved = o.reserved;
    if (tokens[0] !== UNK) bad(`tokens[0] must be '${UNK}'`);
    if (new Set(tokens).size !== tokens.length) bad('tokens repeat');
    if (!reserved.every((t, i) => tokens[i + 1] === t)) bad('reserved must be tokens[1..]');
    const counts = o.counts;
    if (
      !Array.isArray(counts) ||
      counts.length !== tokens.length ||
      !counts.every((c) => Number.isInteger(c) && c >= 0 && c <= 0x7fffffff)
    ) {
      bad('counts must be one non-negative integer per token');
    }
    return new Vocab([...tokens], Int32Array.from(counts as number[]), options, reserved);
  }

  get size(): number {
    return this.tokens.length;
  }

  /** The index of `token`, 0 (<unk>) when it is not in the vocabulary. */
  index(token: string): number {
    this.indexOf ??= new Map(this.tokens.map((t, i) => [t, i]));
    return this.indexOf.get(token) ?? 0;
  }

  has(token: string): boolean {
    return this.index(token) !== 0 || token === UNK;
  }

  /** The token at `id`; E_TOKEN_RANGE outside [0, size). */
  token(id: number): string {
    if (!Number.isInteger(id) || id < 0 || id >= this.tokens.length) {
      throw new DeepRnnError('E_TOKEN_RANGE', `token id ${id} is outside the vocabulary [0, ${this.tokens.length})`);
    }
    return this.tokens[id];
  }

  /** Indices of a text's tokens (tokenized with this vocabulary's options), or of a token list. */
  encode(input: TextInput | readonly string[]): Int32Array {
    if (Array.isArray(input)) {
      const ids = new Int32Array(input.length);
      for (let i = 0; i < input.length; i++) {
        check(typeof input[i] === 'string', `token ${i} must be a string, got ${describe(input[i])}`);
        ids[i] = this.index(input[i]);
      }
      return ids;
    }
    checkText(input, 'encode input');
    const o = this.options;
    return withCore((call) => {
      this.load(call);
      const [src, n] = call.text(input as TextInput);
      const count = call.wasm.vocab_encode(src, n, modeCode(o.preprocess), levelCode(o.tokenize), o.newlines);
      checkStatus(call, count, () => 'encode failed');
      return call.outI32(0);
    });
  }

  /** The text of token ids, joined with '' at char level and ' ' at word level. */
  decode(ids: ArrayLike<number>): string {
    check(
      ids !== null && typeof ids === 'object' && typeof ids.length === 'number',
      `ids must be an array of token ids, got ${describe(ids)}`,
    );
    let data: Int32Array;
    if (ids instanceof Int32Array) {
      data = ids;
    } else {
      data = new Int32Array(ids.length);
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i];
        if (!Number.isInteger(id) || id < 0 || id >= this.tokens.length) {
          throw new DeepRnnError(
            'E_TOKEN_RANGE',
            `ids[${i}] = ${id} is outside the vocabulary [0, ${this.tokens.length})`,
          );
        }
        data[i] = id;
      }
    }
    return withCore((call) => {
      this.load(call);
      const status = call.wasm.vocab_decode(call.i32(data), data.length, this.options.tokenize === 'word' ? 0x20 : -1);
      checkStatus(
        call,
        status,
        (_, at) => `ids[${at}] = ${data[at]} is outside the vocabulary [0, ${this.tokens.length})`,
      );
      return call.outString(0);
    });
  }

  toJSON(): VocabJson {
    return {
      format: 'deeprnn.vocab',
      version: 1,
      preprocess: this.options.preprocess,
      tokenize: this.options.tokenize,
      newlines: this.options.newlines,
      reserved: [...this.reserved],
      tokens: [...this.tokens],
      counts: Array.from(this.counts),
    };
  }

  /** Makes this the vocabulary the core holds, if it is not already. */
  private load(call: CoreCall): void {
    if (loaded?.vocab === this && loaded.core === call.wasm) return;
    loaded = undefined;
    const [blob, offsets] = call.strings(this.tokens);
    const status = call.wasm.vocab_load(blob, offsets, this.tokens.length);
    checkStatus(call, status, (_, at) => `token ${at} (${JSON.stringify(this.tokens[at])}) is empty or repeated`);
    loaded = { vocab: this, core: call.wasm };
  }

  /** @internal The core now holds `vocab` (it was just built there). */
  static markLoaded(vocab: Vocab, core: TextExports): void {
    loaded = { vocab, core };
  }

  /** @internal */
  static create(
    tokens: string[],
    counts: Int32Array,
    options: ResolvedTokenizeOptions,
    reserved: readonly string[],
  ): Vocab {
    return new Vocab(tokens, counts, options, reserved);
  }
}

function resolveVocabOptions(o: VocabOptions | undefined): { minFreq: number; reserved: readonly string[] } {
  const minFreq = o?.minFreq ?? 0;
  check(
    Number.isInteger(minFreq) && minFreq >= 0 && minFreq <= 0x7fffffff,
    `minFreq must be a non-negative integer, got ${String(o?.minFreq)}`,
  );
  const reserved = o?.reserved ?? [];
  check(Array.isArray(reserved), `reserved must be an array of strings, got ${describe(reserved)}`);
  for (const t of reserved) {
    check(
      typeof t === 'string' && t.length > 0 && t !== UNK && !LONE_SURROGATE.test(t),
      `reserved tokens must be non-empty, well-formed strings other than '${UNK}', got ${JSON.stringify(t)}`,
    );
  }
  check(new Set(reserved).size === reserved.length, `reserved tokens repeat: ${JSON.stringify(reserved)}`);
  return { minFreq, reserved };
}

/** Reads the outputs of vocab_build_*: the vocabulary and the encoded tokens. */
function readBuilt(
  call: CoreCall,
  options: ResolvedTokenizeOptions,
  reserved: readonly string[],
): { vocab: Vocab; ids: Int32Array } {
  const text = call.outString(0);
  const u16 = call.outI32(2);
  const tokens = new Array<string>(u16.length - 1);
  for (let i = 0; i < tokens.length; i++) tokens[i] = text.slice(u16[i], u16[i + 1]);
  const vocab = Vocab.create(tokens, call.outI32(3), options, reserved);
  Vocab.markLoaded(vocab, call.wasm);
  return { vocab, ids: call.outI32(4) };
}

/** Builds the vocabulary of one or several documents and encodes them with it (the first maxTokens if > 0). */
export function buildFromText(
  input: TextInput | readonly TextInput[],
  options: VocabOptions | undefined,
  maxTokens: number,
): { vocab: Vocab; ids: Int32Array } {
  const documents = Array.isArray(input) ? (input as readonly TextInput[]) : [input as TextInput];
  documents.forEach((d, i) => {
    checkText(d, documents.length > 1 ? `document ${i}` : 'text');
  });
  if (documents.length === 0) throw new DeepRnnError('E_EMPTY_CORPUS', 'no documents were given');
  const o = resolveTokenizeOptions(options);
  const { minFreq, reserved } = resolveVocabOptions(options);
  return withCore((call) => {
    const [src, n] = call.text(documents.length === 1 ? documents[0] : joinDocuments(documents));
    const [resBlob, resOffsets] = call.strings(reserved);
    const status = call.wasm.vocab_build_text(
      src,
      n,
      modeCode(o.preprocess),
      levelCode(o.tokenize),
      o.newlines,
      minFreq,
      resBlob,
      resOffsets,
      reserved.length,
      maxTokens,
    );
    checkStatus(call, status, (code) =>
      code === 'E_EMPTY_CORPUS'
        ? `the text has no tokens${o.preprocess === 'd2l' ? " after 'd2l' preprocessing (it keeps only the letters A-Z, a-z)" : ''}`
        : 'a reserved token is repeated',
    );
    return readBuilt(call, o, reserved);
  });
}

/** One UTF-8 text of several documents, each ending its last line, so no two documents share a line. */
function joinDocuments(documents: readonly TextInput[]): Uint8Array {
  const parts = documents.map((d) => (typeof d === 'string' ? encoder.encode(d) : d));
  let total = 0;
  for (const p of parts) total += p.length + 1;
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
    const last = p[p.length - 1];
    if (p.length > 0 && last !== 10 && last !== 13) out[o++] = 10;
  }
  return out.subarray(0, o);
}
