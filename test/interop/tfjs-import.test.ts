/**
 * TF.js / Keras layers models (test/fixtures/tfjs_*, made by gen_tfjs_fixture.mjs with @tensorflow/tfjs):
 * LanguageModel.load('model.json') and LanguageModel.fromTfjs must give TF.js's logits within 1e-5, with
 * an embedding or one-hot input; GRUs with reset_after = false and everything else deeprnn cannot run are
 * E_BAD_CHECKPOINT naming the layer and why.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LanguageModel } from '../../src/index.js';
import { expectClose, fixturesDir, loadFixture } from '../helpers/fixtures.js';
import { toTimeMajor } from '../helpers/onnxruntime.js';

const VARIANTS = ['lstm_embedding', 'rnn_relu_onehot', 'rnn_tanh_onehot', 'gru_reset_after'];
const modelJson = (variant: string) => `${fixturesDir}tfjs_${variant}/model.json`;
const weights = (variant: string) => readFileSync(`${fixturesDir}tfjs_${variant}/weights.bin`);
const json = (variant: string) => JSON.parse(readFileSync(modelJson(variant), 'utf8'));

async function expectTfjsLogits(lm: LanguageModel, variant: string): Promise<void> {
  const f = loadFixture(`tfjs_${variant}`);
  const { batch: B, steps: T, vocab_size: V } = f.meta;
  const { logits } = await lm.model.forward({ shape: [B, T], data: Int32Array.from(f.ids.flat()) }, null);
  expectClose(logits, toTimeMajor(Float32Array.from(f.logits.data), B, T, V), `${variant}: logits`, 1e-5, 0);
}

describe.each(VARIANTS)('TF.js layers model %s', (variant) => {
  it("loads from its model.json path with TF.js's logits within 1e-5", async () => {
    const lm = await LanguageModel.load(modelJson(variant), { backend: 'wasm' });
    try {
      expect(lm.vocab.tokens).toEqual(loadFixture(`tfjs_${variant}`).vocab);
      await expectTfjsLogits(lm, variant);
    } finally {
      lm.dispose();
    }
  });
});

describe('LanguageModel.fromTfjs', () => {
  it('takes model.json (text or parsed) and the weight bytes, as a browser fetches them', async () => {
    const text = readFileSync(modelJson('lstm_embedding'), 'utf8');
    const a = await LanguageModel.fromTfjs(text, weights('lstm_embedding'), { backend: 'wasm' });
    const bin = weights('gru_reset_after');
    const parts = [
      bin.subarray(0, 100),
      bin.subarray(100).buffer.slice(bin.byteOffset + 100, bin.byteOffset + bin.length),
    ];
    const b = await LanguageModel.fromTfjs(json('gru_reset_after'), parts, { backend: 'wasm' });
    try {
      expect(a.config).toMatchObject({ cell: 'lstm', layers: 2, hidden: 6, vocabSize: 10 });
      expect(b.config).toMatchObject({ cell: 'gru', layers: 2, hidden: 5, vocabSize: 10 });
      await expectTfjsLogits(a, 'lstm_embedding');
      await expectTfjsLogits(b, 'gru_reset_after');
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('takes the vocabulary as an option when model.json has none', async () => {
    const j = json('rnn_relu_onehot');
    delete j.userDefinedMetadata;
    await expect(LanguageModel.fromTfjs(j, weights('rnn_relu_onehot'))).rejects.toMatchObject({
      code: 'E_BAD_CHECKPOINT',
      message: expect.stringContaining('this TF.js model has no vocabulary: pass { vocab }'),
    });
    const lm = await LanguageModel.fromTfjs(j, weights('rnn_relu_onehot'), {
      vocab: loadFixture('tfjs_rnn_relu_onehot').vocab,
    });
    await expectTfjsLogits(lm, 'rnn_relu_onehot');
    lm.dispose();
  });

  it('says that a model.json given as bytes needs its weights', async () => {
    await expect(LanguageModel.load(readFileSync(modelJson('lstm_embedding')))).rejects.toMatchObject({
      code: 'E_BAD_OPTION',
      message: expect.stringContaining('LanguageModel.fromTfjs(modelJson, weights)'),
    });
  });
});

describe('TF.js models deeprnn cannot run are E_BAD_CHECKPOINT naming the layer', () => {
  const refused = async (j: unknown, bin: Uint8Array, message: RegExp) =>
    expect(LanguageModel.fromTfjs(j as object, bin)).rejects.toMatchObject({
      code: 'E_BAD_CHECKPOINT',
      message: expect.stringMatching(message),
    });
  const layers = (j: any) => j.modelTopology.config.layers;

  it("TF.js's own GRU (reset_after = false), by path too", async () => {
    await expect(LanguageModel.load(modelJson('gru_reset_before'))).rejects.toMatchObject({
      code: 'E_BAD_CHECKPOINT',
      message: expect.stringMatching(
        /model\.json: GRU layer 'gru_GRU\d+' has reset_after = false.*not the GRU deeprnn runs/,
      ),
    });
  });

  it("a hard-sigmoid gate (TF.js's default recurrent_activation), an unknown activation", async () => {
    const j = json('lstm_embedding');
    layers(j)[1].config.recurrent_activation = 'hard_sigmoid';
    await refused(
      j,
      weights('lstm_embedding'),
      /LSTM layer .* recurrent_activation 'hard_sigmoid'.*logistic 'sigmoid'/,
    );
    const r = json('rnn_relu_onehot');
    layers(r)[0].config.activation = 'elu';
    await refused(r, weights('rnn_relu_onehot'), /SimpleRNN layer .* activation 'elu'; deeprnn runs tanh or relu/);
  });

  it('layers off the list: Conv1D, Bidirectional, a masking embedding', async () => {
    const j = json('lstm_embedding');
    layers(j)[1].class_name = 'Bidirectional';
    await refused(
      j,
      weights('lstm_embedding'),
      /expected LSTM, GRU or SimpleRNN layers after the Embedding, found Bidirectional layer/,
    );
    const c = json('rnn_relu_onehot');
    layers(c).splice(1, 0, { class_name: 'Conv1D', config: { name: 'conv' } });
    await refused(
      c,
      weights('rnn_relu_onehot'),
      /expected a Dense layer after the recurrent layers, found Conv1D layer 'conv'/,
    );
    const d = json('rnn_relu_onehot');
    layers(d).push({ class_name: 'Dense', config: { name: 'second_head', units: 10 } });
    await refused(
      d,
      weights('rnn_relu_onehot'),
      /Dense layer 'second_head' after the Dense head is not something deeprnn runs/,
    );
    const m = json('lstm_embedding');
    layers(m)[0].config.mask_zero = true;
    await refused(m, weights('lstm_embedding'), /Embedding layer .* mask_zero/);
  });

  it('weights that do not match the manifest', async () => {
    const bin = weights('lstm_embedding');
    await refused(json('lstm_embedding'), bin.subarray(0, bin.length - 4), /fewer than the manifest needs/);
    const j = json('lstm_embedding');
    j.weightsManifest[0].weights[0].shape = [8, 5]; // as many values as (10, 4): the byte count still fits
    await refused(j, bin, /weight 'embedding_Embedding\d+\/embeddings' has shape \[8,5\], expected \[10,4\]/);
    const q = json('lstm_embedding');
    q.weightsManifest[0].weights[0].dtype = 'float16';
    await refused(q, bin, /dtype float16; deeprnn reads float32/);
  });

  it('a model.json that is no layers model', async () => {
    await refused({ format: 'graph-model', modelTopology: { node: [] } }, new Uint8Array(), /has no layer list/);
    await refused({}, new Uint8Array(), /no modelTopology/);
  });
});
