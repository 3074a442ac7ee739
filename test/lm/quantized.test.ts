/**
 * int8 and f16 checkpoints (issue 15): the file format, loading them for generation and evaluation on
 * LanguageModel and TextGenerator alike, computing from the int8 weights, keeping their bits through a
 * save, and refusing to train them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeCheckpoint,
  decodeSafetensors,
  encodeCheckpoint,
  quantizeCheckpoint,
} from '../../src/checkpoint/index.js';
import { LanguageModel } from '../../src/lm/language-model.js';
import { TextGenerator } from '../../src/lm/text-generator.js';
import { dequantizeInt8 } from '../../src/model/quantize.js';
import { buildCorpus } from '../../src/text/index.js';
import { timeMachineText } from '../helpers/data.js';

const book = timeMachineText();
const heldOut = book.slice(60_000, 64_000);
let f32: Uint8Array;
let int8: Uint8Array;
let f16: Uint8Array;

beforeAll(async () => {
  const corpus = await buildCorpus(book, { maxTokens: 4000 });
  const lm = await LanguageModel.create(corpus.vocab, {
    cell: 'lstm',
    layers: 2,
    hidden: 44,
    seed: 3,
    backend: 'wasm',
  });
  await lm.train(corpus.tokens, { epochs: 2, batchSize: 8, numSteps: 16, lr: 1 });
  f32 = await lm.toBytes();
  int8 = await lm.quantize('int8');
  f16 = await lm.quantize('f16');
  lm.dispose();
});

describe('the files', () => {
  it('store I8 weights with F32 row scales (biases F32), or F16 tensors, and say so in the metadata', () => {
    const file = decodeSafetensors(int8);
    expect(file.metadata.quantization).toBe('int8');
    expect(file.tensors.get('rnn.weight_hh_l1')).toMatchObject({ dtype: 'I8', shape: [176, 44] });
    expect(file.tensors.get('rnn.weight_hh_l1.scale')).toMatchObject({ dtype: 'F32', shape: [176] });
    expect(file.tensors.get('rnn.bias_hh_l1')).toMatchObject({ dtype: 'F32', shape: [176] });
    expect(file.tensors.get('linear.weight')).toMatchObject({ dtype: 'I8', shape: [28, 44] });
    const half = decodeSafetensors(f16);
    expect(half.metadata.quantization).toBe('f16');
    expect([...half.tensors.values()].every((t) => t.dtype === 'F16')).toBe(true);
    console.log(`file bytes: f32 ${f32.length}, f16 ${f16.length}, int8 ${int8.length}`);
    // 29,392 weights and 732 biases: int8 is a byte a weight plus 8 bytes a row (bias and scale)
    expect(int8.length).toBeLessThan(f32.length * 0.32);
    expect(f16.length).toBeLessThan(f32.length * 0.52);
  });

  it('decode to the f32 values they stand for: q * scale per row, exactly', () => {
    const ckpt = decodeCheckpoint(int8);
    expect(ckpt.quantization?.format).toBe('int8');
    if (ckpt.quantization?.format !== 'int8') return;
    const w = ckpt.quantization.weights['rnn.weight_ih_l0'];
    expect(w.shape).toEqual([176, 28]);
    expect(ckpt.params['rnn.weight_ih_l0'].data).toEqual(dequantizeInt8(w));
    expect(Math.fround(w.scale[5] * w.q[5 * 28 + 3])).toBe(ckpt.params['rnn.weight_ih_l0'].data[5 * 28 + 3]);
    // and written again, the same bytes
    expect(Buffer.from(encodeCheckpoint(ckpt)).equals(Buffer.from(int8))).toBe(true);
  });

  it('refuse what they cannot hold: training state, a second quantization, unknown or inconsistent metadata', () => {
    const ckpt = decodeCheckpoint(f32);
    expect(() => quantizeCheckpoint(decodeCheckpoint(int8), 'f16')).toThrow(
      expect.objectContaining({ code: 'E_BAD_OPTION', message: expect.stringContaining('already int8') }),
    );
    expect(() => quantizeCheckpoint(ckpt, 'int4' as never)).toThrow(expect.objectContaining({ code: 'E_BAD_OPTION' }));
    const withTraining = { ...quantizeCheckpoint(ckpt, 'int8'), training: { epoch: 1 } as never };
    expect(() => encodeCheckpoint(withTraining)).toThrow(expect.objectContaining({ code: 'E_BAD_CHECKPOINT' }));
    const relabel = (from: string, to: string) => {
      const text = Buffer.from(int8).toString('latin1').replace(from, to);
      return Uint8Array.from(Buffer.from(text, 'latin1'));
    };
    expect(() => decodeCheckpoint(relabel('"quantization":"int8"', '"quantization":"int4"'))).toThrow(
      /metadata quantization is 'int4'/,
    );
    expect(() => decodeCheckpoint(relabel('"quantization":"int8"', '"quantization":"f16" '))).toThrow(
      /unexpected tensor 'rnn.weight_ih_l0.scale'/,
    );
    expect(() => decodeCheckpoint(relabel('linear.weight.scale', 'linear.weight.scalf'))).toThrow(
      /unexpected tensor 'linear.weight.scalf'/,
    );
  });
});

describe('loading them', () => {
  let f32Model: LanguageModel;
  let int8Model: LanguageModel;
  let int8Generator: TextGenerator;
  beforeAll(async () => {
    f32Model = await LanguageModel.load(f32, { backend: 'wasm' });
    int8Model = await LanguageModel.load(int8, { backend: 'wasm' });
    int8Generator = await TextGenerator.load(int8);
  });
  afterAll(() => {
    for (const m of [f32Model, int8Model, int8Generator]) m?.dispose();
  });

  it('generate, stream, feed and evaluate on int8 the same in LanguageModel and TextGenerator', async () => {
    const sampling = { length: 40, temperature: 0.9, seed: 4 };
    const collect = async (m: LanguageModel | TextGenerator) => {
      m.reset();
      const tokens = [];
      for await (const t of m.stream('the time ', sampling)) tokens.push([t.id, t.logProb]);
      return { tokens, logits: await m.feed('traveller'), ppl: await m.evaluate(heldOut) };
    };
    const a = await collect(int8Model);
    expect(a).toEqual(await collect(int8Generator));
    expect(int8Model.quantization).toBe('int8');
    expect(int8Generator.quantization).toBe('int8');
    // and they are int8 numbers: close to, not equal to, the f32 model's
    const b = await collect(f32Model);
    expect(a.ppl).not.toBe(b.ppl);
    expect(Math.abs(a.ppl / b.ppl - 1)).toBeLessThan(0.02);
  });

  it('compute from the int8 weights: the model reads back q * scale, and f32 weights loaded into it are quantized', async () => {
    const ckpt = decodeCheckpoint(int8);
    const dict = await int8Generator.model.stateDict();
    for (const [name, t] of Object.entries(ckpt.params)) expect(dict[name].data, name).toEqual(t.data);
    const g = await TextGenerator.load(int8);
    const exact = decodeCheckpoint(f32).params;
    g.model.loadStateDict(exact);
    const requantized = quantizeCheckpoint(decodeCheckpoint(f32), 'int8').params;
    const back = await g.model.stateDict();
    for (const name of Object.keys(exact)) expect(back[name].data, name).toEqual(requantized[name].data);
    g.dispose();
  });

  it('an int8 or f16 model writes back the bytes it was loaded from, and refuses to train or quantize again', async () => {
    expect(Buffer.from(await int8Model.toBytes()).equals(Buffer.from(int8))).toBe(true);
    const half = await LanguageModel.load(f16, { backend: 'wasm' });
    expect(half.quantization).toBe('f16');
    expect(Buffer.from(await half.toBytes()).equals(Buffer.from(f16))).toBe(true);
    for (const m of [int8Model, half]) {
      await expect(m.train(book.slice(0, 3000), { epochs: 1, lr: 1 })).rejects.toMatchObject({
        code: 'E_QUANTIZED',
        message: expect.stringMatching(/train\(\): this model was loaded from an (int8|f16) checkpoint/),
      });
      await expect(m.quantize('int8')).rejects.toMatchObject({ code: 'E_QUANTIZED' });
    }
    half.dispose();
  });

  it('f16 costs little: perplexity within 0.1% of f32 on held-out text', async () => {
    const half = await TextGenerator.load(f16);
    const [p16, p32] = [await half.evaluate(heldOut), await f32Model.evaluate(heldOut)];
    expect(Math.abs(p16 / p32 - 1)).toBeLessThan(0.001);
    half.dispose();
  });
});
