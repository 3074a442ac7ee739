/**
 * LanguageModel.load of ONNX files that torch.onnx.export wrote for d2l's concise model (test/fixtures,
 * gen_onnx_fixture.py): deeprnn must give PyTorch's logits and final states within 1e-5, find the
 * vocabulary in metadata_props or take it as an option, and refuse, naming the op or attribute, every
 * graph it cannot run.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LanguageModel } from '../../src/index.js';
import { decodeModel, encodeModel, type OnnxModel } from '../../src/interop/onnx/onnx-proto.js';
import { expectClose, fixturesDir, loadFixture } from '../helpers/fixtures.js';
import { ortRun, ortSession } from '../helpers/onnxruntime.js';

const VARIANTS = ['rnn_tanh', 'rnn_relu', 'gru', 'lstm'];
const onnxBytes = (variant: string) => readFileSync(`${fixturesDir}onnx_torch_${variant}.onnx`);

function inputs(f: any) {
  return {
    x: { shape: [f.meta.batch, f.meta.steps] as [number, number], data: Int32Array.from(f.ids.flat()) },
    state: () => ({
      h: Float32Array.from(f.state0.h.data),
      c: f.state0.c ? Float32Array.from(f.state0.c.data) : undefined,
    }),
  };
}

describe.each(VARIANTS)('torch.onnx.export of d2l RNNModel (%s)', (variant) => {
  const f = loadFixture(`onnx_torch_${variant}`);

  it("loads with PyTorch's logits and final states within 1e-5", async () => {
    const lm = await LanguageModel.load(`${fixturesDir}onnx_torch_${variant}.onnx`, {
      backend: 'wasm',
      vocab: f.vocab,
    });
    try {
      expect(lm.config).toMatchObject({
        cell: f.meta.cell,
        nonlinearity: f.meta.nonlinearity,
        layers: f.meta.layers,
        hidden: f.meta.hidden,
        vocabSize: f.meta.vocab_size,
      });
      const { x, state } = inputs(f);
      const out = await lm.model.forward(x, state());
      expectClose(out.logits, f.logits.data, `${variant}: logits`, 1e-5, 0);
      expectClose(out.state.h, f.state_out.h.data, `${variant}: hn`, 1e-5, 0);
      if (f.state_out.c) expectClose(out.state.c!, f.state_out.c.data, `${variant}: cn`, 1e-5, 0);
    } finally {
      lm.dispose();
    }
  });

  it('is the model ONNX Runtime runs from the same file (the fixture is what torch computes)', async () => {
    const { x, state } = inputs(f);
    const out = await ortRun(await ortSession(onnxBytes(variant)), x.data, x.shape, state(), [
      f.meta.layers,
      f.meta.hidden,
    ]);
    expectClose(out.logits, f.logits.data, `${variant}: ONNX Runtime logits`, 1e-5, 0);
  });
});

describe('the vocabulary of an ONNX model', () => {
  it("comes from metadata_props when the file has it (torch exports with 'vocab' and 'text' added)", async () => {
    const lm = await LanguageModel.load(onnxBytes('lstm'), { backend: 'wasm' });
    expect(lm.vocab.tokens).toEqual(loadFixture('onnx_torch_lstm').vocab);
    expect(lm.vocab.options).toMatchObject({ preprocess: 'd2l', tokenize: 'char' });
    lm.dispose();
  });

  it('is required, with a message saying how to give it, when the file has none', async () => {
    await expect(LanguageModel.load(onnxBytes('rnn_tanh'))).rejects.toMatchObject({
      code: 'E_BAD_CHECKPOINT',
      message: expect.stringMatching(/has no vocabulary: pass \{ vocab \}.*10 tokens/),
    });
    await expect(LanguageModel.load(onnxBytes('rnn_tanh'), { vocab: ['<unk>', 'a'] })).rejects.toMatchObject({
      code: 'E_BAD_OPTION',
      message: expect.stringContaining('vocab has 2 tokens but config vocab_size is 10'),
    });
    await expect(LanguageModel.load(onnxBytes('rnn_tanh'), { vocab: 'abc' as never })).rejects.toMatchObject({
      code: 'E_BAD_OPTION',
    });
  });
});

/** Decodes a fixture, lets `edit` change it, and re-encodes it with deeprnn's writer. */
function edited(variant: string, edit: (m: OnnxModel) => void): Uint8Array {
  const m = decodeModel(onnxBytes(variant));
  edit(m);
  return encodeModel(m);
}

const attribute = (m: OnnxModel, op: string, name: string) =>
  m.graph.node.find((n) => n.opType === op)!.attribute.find((a) => a.name === name);

describe('ONNX graphs deeprnn cannot run are E_BAD_CHECKPOINT naming what', () => {
  const refused = async (bytes: Uint8Array, message: RegExp) =>
    expect(LanguageModel.load(bytes)).rejects.toMatchObject({
      code: 'E_BAD_CHECKPOINT',
      message: expect.stringMatching(message),
    });

  it('re-encoding with deeprnn writer keeps a loadable file (the edits below change only what they say)', async () => {
    const lm = await LanguageModel.load(
      edited('gru', () => {}),
      { backend: 'wasm' },
    );
    const { x, state } = inputs(loadFixture('onnx_torch_gru'));
    expectClose((await lm.model.forward(x, state())).logits, loadFixture('onnx_torch_gru').logits.data, 'gru', 1e-5, 0);
    lm.dispose();
  });

  it('an op off the list, by name and node', async () => {
    await refused(
      edited('lstm', (m) => {
        m.graph.node.find((n) => n.opType === 'Gemm')!.opType = 'Conv';
      }),
      /op 'Conv' \(node '\/linear\/Gemm'\) is not one deeprnn can run/,
    );
    await refused(
      edited('lstm', (m) => {
        const gemm = m.graph.node.find((n) => n.opType === 'Gemm')!;
        m.graph.node.push({
          ...gemm,
          name: 'extra',
          input: ['logits', 'logits'],
          output: ['more'],
          opType: 'Add',
          attribute: [],
        });
      }),
      /op 'Add' \(node 'extra'\) computes something beyond the linear output layer/,
    );
    await refused(
      edited('lstm', (m) => {
        m.graph.node[0].domain = 'com.microsoft';
      }),
      /domain 'com.microsoft'/,
    );
  });

  it('a GRU with linear_before_reset = 0 (reset before the recurrent product)', async () => {
    await refused(
      edited('gru', (m) => {
        attribute(m, 'GRU', 'linear_before_reset')!.i = 0;
      }),
      /op 'GRU' .*linear_before_reset = 0 .*not the GRU deeprnn runs/,
    );
  });

  it('bidirectional layers, clipping, other activations', async () => {
    await refused(
      edited('lstm', (m) => {
        m.graph.node
          .find((n) => n.opType === 'LSTM')!
          .attribute.push({ name: 'direction', type: 3, s: 'bidirectional' });
      }),
      /op 'LSTM' .*direction 'bidirectional'/,
    );
    await refused(
      edited('lstm', (m) => {
        m.graph.node.find((n) => n.opType === 'LSTM')!.attribute.push({ name: 'clip', type: 1, f: 3 });
      }),
      /op 'LSTM' .*clips its cell inputs/,
    );
    await refused(
      edited('rnn_relu', (m) => {
        attribute(m, 'RNN', 'activations')!.strings = ['Sigmoid'];
      }),
      /op 'RNN' .*activations \["sigmoid"\]; deeprnn runs \['tanh'\] or \['relu'\]/,
    );
  });

  it('shapes that do not fit, and metadata that contradicts the graph', async () => {
    await refused(
      edited('gru', (m) => {
        const w = m.graph.initializer.find((t) => t.name === 'linear.weight')!;
        w.dims = [5, 10];
      }),
      /weights of op 'Gemm' .*has dims \[5,10\], expected \[10,5\]/,
    );
    await refused(
      edited('gru', (m) => {
        m.metadataProps.config = JSON.stringify({ cell: 'lstm', layers: 3, hidden: 5, vocab_size: 10 });
      }),
      /metadata config says cell lstm, but the graph has gru/,
    );
  });

  it('bytes that are not ONNX, or a truncated file', async () => {
    await refused(onnxBytes('lstm').subarray(0, 3000), /truncated|past the end/);
    await refused(new TextEncoder().encode('\u0008garbage that is no protobuf'), /ONNX|protobuf|wire type/);
    await refused(new Uint8Array([1, 2, 3]), /not a deeprnn .safetensors checkpoint, an ONNX model or a TF.js/);
  });
});
