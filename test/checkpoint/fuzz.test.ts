/**
 * Seeded fuzzing of the checkpoint reader: every mutation of a valid file must either load (into a
 * consistent checkpoint no larger than a small multiple of the file) or fail with E_BAD_CHECKPOINT.
 * A crash (TypeError, RangeError, ...), a hang or an oversized result fails the test and prints the case.
 */
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/checkpoint/index.js';
import { DeepRnnError } from '../../src/errors.js';
import { mix32 } from '../../src/model/params.js';
import { validateStateDict } from '../../src/model/validate.js';
import {
  filledLike,
  fixtureCheckpoint,
  joinFile,
  pyDumps,
  pyTensors,
  pythonStyleFile,
  smallCheckpoint,
  splitFile,
} from './helpers.js';

const CASES = 20_000;

class Rng {
  private n = 0;
  constructor(private readonly seed: number) {}
  u32(): number {
    return mix32((mix32(this.seed) + this.n++) >>> 0);
  }
  int(k: number): number {
    return this.u32() % k;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
}

function baseFiles(): Uint8Array[] {
  const lstm = smallCheckpoint({ cell: 'lstm', layers: 2, hidden: 3, vocabSize: 6, dropout: 0.1, seed: 7 });
  lstm.training = {
    optimizer: { step: 12, adam: { m: filledLike(lstm.params, 1), v: filledLike(lstm.params, 2) } },
    epoch: 3,
    batch: 1,
    rng: [1, 2, 3],
    options: { lr: 0.1, optimizer: 'adam' },
    history: [{ epoch: 1, trainPerplexity: 5.5, valPerplexity: 6 }],
    state: { h: new Float32Array(2 * 2 * 3).fill(0.5), c: new Float32Array(2 * 2 * 3).fill(-0.25) },
  };
  const rnn = smallCheckpoint({ cell: 'rnn', nonlinearity: 'relu', layers: 1, hidden: 2, vocabSize: 4 });
  const { ckpt: gru, config } = fixtureCheckpoint('model_gru_1layer');
  const python = pythonStyleFile(
    pyTensors(gru.params),
    { vocab: pyDumps(gru.vocab), config: pyDumps(config), text: pyDumps({ preprocess: 'd2l', tokenize: 'char' }) },
    false,
  );
  return [encodeCheckpoint(lstm), encodeCheckpoint(rnn), python];
}

const INTERESTING = [
  '-1',
  '0',
  '1',
  '2',
  '3',
  '4',
  '1e9',
  '4294967296',
  '1e308',
  '0.5',
  '-0',
  'null',
  'true',
  '""',
  '[]',
  '{}',
  '"F16"',
  '"BF16"',
  '"F64"',
  '"I64"',
  '"F32"',
  '9007199254740993',
];
const JSON_CHARS = '{}[]":,0123456789-.eE \\ntruefalsenull';

function headerTextLength(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
}

/** Replaces one JSON value inside a metadata string (itself JSON) or a tensor entry. */
function editHeader(bytes: Uint8Array, rng: Rng): Uint8Array {
  const { header, data } = splitFile(bytes);
  const keys = Object.keys(header);
  const key = rng.pick(keys);
  if (key === '__metadata__') {
    const meta = header.__metadata__;
    const mk = rng.pick([...Object.keys(meta), 'version', 'format']);
    const choice = rng.int(4);
    if (choice === 0) delete meta[mk];
    else if (choice === 1) meta[mk] = rng.pick(INTERESTING);
    else {
      // Mutate a token inside the nested JSON text.
      const text: string = meta[mk] ?? '';
      const tokens = text.split(/([,:[\]{}])/);
      const i = rng.int(Math.max(1, tokens.length));
      tokens[i] = choice === 2 ? rng.pick(INTERESTING) : '';
      meta[mk] = tokens.join('');
    }
  } else {
    const entry = header[key];
    const field = rng.pick(['dtype', 'shape', 'data_offsets', 'whole', 'rename']);
    if (field === 'whole') header[key] = JSON.parse(rng.pick(INTERESTING));
    else if (field === 'rename') {
      header[
        rng.pick(['state.h', 'state.c', 'optimizer.adam.m.linear.bias', 'rnn.weight_ih_l1', `${key}x`, '__proto__'])
      ] = entry;
      delete header[key];
    } else if (field === 'dtype')
      entry.dtype = rng.pick(['F16', 'BF16', 'F64', 'I64', 'U8', 'BOOL', 'F8_E4M3', 'X', 3]);
    else {
      const arr = entry[field];
      if (Array.isArray(arr) && arr.length > 0 && rng.int(4) > 0)
        arr[rng.int(arr.length)] = JSON.parse(rng.pick(INTERESTING));
      else if (Array.isArray(arr) && rng.int(2) === 0) arr.push(JSON.parse(rng.pick(INTERESTING)));
      else entry[field] = JSON.parse(rng.pick(INTERESTING));
    }
  }
  return joinFile(header, data);
}

function mutate(bytes: Uint8Array, rng: Rng): [string, Uint8Array] {
  const out = bytes.slice();
  const headerEnd = 8 + headerTextLength(bytes);
  switch (rng.int(7)) {
    case 0: {
      const flips = 1 + rng.int(4);
      const inHeader = rng.int(4) > 0;
      for (let i = 0; i < flips; i++) {
        const at = inHeader ? rng.int(headerEnd) : rng.int(out.length);
        out[at] ^= 1 << rng.int(8);
      }
      return ['bit flip', out];
    }
    case 1:
      return ['truncation', bytes.slice(0, rng.int(bytes.length))];
    case 2: {
      const view = new DataView(out.buffer);
      const v = rng.pick([0, 1, 7, headerEnd - 9, headerEnd - 7, out.length, 0xffffffff, rng.u32()]);
      view.setUint32(rng.int(3) === 0 ? 4 : 0, v >>> 0, true);
      return ['header length', out];
    }
    case 3: {
      // Edit the header text in place, keeping its length so that parsing gets as far as possible.
      const n = 1 + rng.int(3);
      for (let i = 0; i < n; i++) out[8 + rng.int(headerEnd - 8)] = JSON_CHARS.charCodeAt(rng.int(JSON_CHARS.length));
      return ['header text', out];
    }
    case 4: {
      const text = new TextDecoder().decode(bytes.subarray(8, headerEnd));
      const at = rng.int(text.length);
      const edited =
        rng.int(2) === 0
          ? text.slice(0, at) + text.slice(at + 1 + rng.int(8))
          : text.slice(0, at) + rng.pick(INTERESTING) + text.slice(at);
      return ['header splice', joinFile(null, bytes.subarray(headerEnd), edited)];
    }
    case 5:
      return ['header edit', editHeader(bytes, rng)];
    default: {
      const extra = new Uint8Array(1 + rng.int(16)).map(() => rng.int(256));
      const longer = new Uint8Array(out.length + extra.length);
      longer.set(out);
      longer.set(extra, out.length);
      return ['extension', longer];
    }
  }
}

describe('checkpoint reader fuzz', () => {
  it(`survives ${CASES} seeded mutations of valid files with only E_BAD_CHECKPOINT`, () => {
    const bases = baseFiles();
    for (const b of bases) decodeCheckpoint(b);
    const rng = new Rng(20240605);
    const outcomes = new Map<string, { ok: number; bad: number }>();
    let slowest = 0;
    for (let i = 0; i < CASES; i++) {
      const base = bases[i % bases.length];
      const [kind, bytes] = mutate(base, rng);
      const tally = outcomes.get(kind) ?? { ok: 0, bad: 0 };
      outcomes.set(kind, tally);
      const start = performance.now();
      try {
        const ckpt = decodeCheckpoint(bytes);
        validateStateDict(ckpt.params, ckpt.config);
        let floats = Object.values(ckpt.params).reduce((a, t) => a + t.data.byteLength, 0);
        const adam = ckpt.training?.optimizer.adam;
        if (adam)
          for (const d of [adam.m, adam.v]) floats += Object.values(d).reduce((a, t) => a + t.data.byteLength, 0);
        if (floats > 2 * bytes.length)
          throw new Error(`case ${i} (${kind}): ${floats} bytes of tensors from a ${bytes.length}-byte file`);
        // What loads must be consistent enough to be written again unchanged.
        const again = decodeCheckpoint(encodeCheckpoint(ckpt));
        expect(again.config, `case ${i} (${kind})`).toEqual(ckpt.config);
        tally.ok++;
      } catch (e) {
        if (!(e instanceof DeepRnnError) || e.code !== 'E_BAD_CHECKPOINT') {
          throw new Error(`case ${i} (${kind}) threw ${(e as Error).name}: ${(e as Error).message}`, { cause: e });
        }
        tally.bad++;
      }
      slowest = Math.max(slowest, performance.now() - start);
    }
    console.log(
      `fuzz outcomes: ${JSON.stringify(Object.fromEntries(outcomes))}; slowest case ${slowest.toFixed(1)} ms`,
    );
    // Loose: a real hang runs into the test timeout; this catches a pathological (super-linear) case.
    expect(slowest).toBeLessThan(2000);
    // Every kind of mutation ran, and the mix holds both loadable and refused files.
    expect(outcomes.size).toBe(7);
    for (const [kind, t] of outcomes) expect(t.bad, kind).toBeGreaterThan(0);
    expect([...outcomes.values()].reduce((a, t) => a + t.ok, 0)).toBeGreaterThan(100);
  });
});
