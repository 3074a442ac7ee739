/**
 * lm.toOnnx() checked by an independent runtime: ONNX Runtime Web (WASM, in Node) runs the exported
 * graph and must give deeprnn's logits and final states within 1e-5, for every cell, 1-3 layers, batch 1
 * and 4 and two lengths from one file; and the file reads back into the same model, bit for bit.
 */
import { describe, expect, it } from 'vitest';
import { LanguageModel, Vocab, initParameters } from '../../src/index.js';
import { decodeModel } from '../../src/interop/onnx/onnx-proto.js';
import { resolveConfig } from '../../src/model/params.js';
import type { CellType, Nonlinearity } from '../../src/model/types.js';
import { expectClose } from '../helpers/fixtures.js';
import { ortRun, ortSession, toTimeMajor } from '../helpers/onnxruntime.js';

const vocab = Vocab.fromText('the time traveller for so it will be convenient to speak of him');
const CELLS: Array<[CellType, Nonlinearity]> = [
  ['rnn', 'tanh'],
  ['rnn', 'relu'],
  ['gru', 'tanh'],
  ['lstm', 'tanh'],
];
const HIDDEN = 7;

/** Deterministic values in [-scale, scale): states and ids that are not zeros or a pattern. */
function values(n: number, seed: number, scale: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * scale);
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

async function model(cell: CellType, nonlinearity: Nonlinearity, layers: number): Promise<LanguageModel> {
  const lm = await LanguageModel.create(vocab, {
    cell,
    nonlinearity,
    layers,
    hidden: HIDDEN,
    seed: 11,
    backend: 'wasm',
  });
  // Weights larger than the default init, so that every gate saturates somewhere; relu's unbounded activations
  // would grow to thousands over a few steps with them, so it keeps PyTorch's scale.
  const params = initParameters(
    resolveConfig({ cell, nonlinearity, layers, hidden: HIDDEN, vocabSize: vocab.size, seed: 5 }),
  );
  const scale = nonlinearity === 'relu' ? 1 : 3;
  for (const p of Object.values(params)) for (let i = 0; i < p.data.length; i++) p.data[i] *= scale;
  lm.model.loadStateDict(params);
  return lm;
}

describe.each(CELLS)('%s (%s) exported to ONNX', (cell, nonlinearity) => {
  it.each([1, 2, 3])('%i layers: ONNX Runtime gives deeprnn logits and final states within 1e-5', async (layers) => {
    const lm = await model(cell, nonlinearity, layers);
    try {
      const session = await ortSession(await lm.toOnnx());
      let worst = 0;
      let largest = 0;
      for (const [batch, seq] of [
        [1, 9],
        [4, 6],
      ] as Array<[number, number]>) {
        const n = layers * batch * HIDDEN;
        const state = { h: values(n, batch, 0.8), c: cell === 'lstm' ? values(n, batch + 7, 1.5) : undefined };
        const ids = Int32Array.from(values(batch * seq, seq, 0.5), (v) => Math.floor((v + 0.5) * vocab.size));
        const ref = await lm.model.forward({ shape: [batch, seq], data: ids }, state);
        const out = await ortRun(session, ids, [batch, seq], state, [layers, HIDDEN]);
        const what = `${cell} ${layers} layers, batch ${batch}`;
        expect(out.logitsDims).toEqual([batch, seq, vocab.size]);
        expectClose(toTimeMajor(out.logits, batch, seq, vocab.size), ref.logits, `${what}: logits`, 1e-5, 0);
        expectClose(out.hn, ref.state.h, `${what}: hn`, 1e-5, 0);
        if (cell === 'lstm') expectClose(out.cn!, ref.state.c!, `${what}: cn`, 1e-5, 0);
        worst = Math.max(worst, maxDiff(toTimeMajor(out.logits, batch, seq, vocab.size), ref.logits));
        largest = Math.max(largest, maxDiff(ref.logits, new Float32Array(ref.logits.length)));
      }
      console.log(
        `${cell} ${nonlinearity} x${layers}: ONNX Runtime vs deeprnn logits max |diff| ${worst.toExponential(2)} (|logit| up to ${largest.toFixed(2)})`,
      );
    } finally {
      lm.dispose();
    }
  });
});

describe('the exported graph', () => {
  it('is standard ONNX: opset 17, one recurrent op per layer with ONNX gate order, named inputs and outputs', async () => {
    const lm = await model('gru', 'tanh', 3);
    const m = decodeModel(await lm.toOnnx());
    lm.dispose();
    expect(m.opsetImport).toEqual([{ domain: '', version: 17 }]);
    expect(m.producerName).toBe('deeprnn');
    const gru = m.graph.node.filter((n) => n.opType === 'GRU');
    expect(gru).toHaveLength(3);
    for (const n of gru) expect(n.attribute.find((a) => a.name === 'linear_before_reset')?.i).toBe(1);
    expect(new Set(m.graph.node.map((n) => n.opType))).toEqual(
      new Set(['Transpose', 'OneHot', 'Slice', 'GRU', 'Squeeze', 'Concat', 'MatMul', 'Add']),
    );
    expect(m.graph.input.map((v) => [v.name, v.elemType, v.shape])).toEqual([
      ['input_ids', 7, ['batch', 'seq']],
      ['h0', 1, [3, 'batch', HIDDEN]],
    ]);
    expect(m.graph.output.map((v) => [v.name, v.shape])).toEqual([
      ['logits', ['batch', 'seq', vocab.size]],
      ['hn', [3, 'batch', HIDDEN]],
    ]);
    expect(JSON.parse(m.metadataProps.vocab)).toEqual(vocab.tokens);
    expect(JSON.parse(m.metadataProps.text)).toMatchObject({ preprocess: 'd2l', tokenize: 'char' });
  });

  it('reads back into the same model: parameters bit for bit, vocabulary, config and seed', async () => {
    const lm = await model('lstm', 'tanh', 2);
    const back = await LanguageModel.load(await lm.toOnnx(), { backend: 'wasm' });
    try {
      expect(back.config).toEqual(lm.config);
      expect(back.vocab.tokens).toEqual(vocab.tokens);
      expect(back.vocab.options).toEqual(vocab.options);
      const [a, b] = [await lm.model.stateDict(), await back.model.stateDict()];
      expect(Object.keys(b)).toEqual(Object.keys(a));
      for (const k of Object.keys(a)) expect(b[k], k).toEqual(a[k]);
    } finally {
      lm.dispose();
      back.dispose();
    }
  });
});
