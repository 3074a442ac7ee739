/**
 * `deeprnn export`: a checkpoint that PyTorch trained (test/fixtures/trained_lstm.safetensors, made by
 * gen_onnx_fixture.py) exported to ONNX and run by ONNX Runtime on text it never saw must give PyTorch's
 * perplexity within 1e-4 relative; ONNX and TF.js files convert too, and errors are one line with an exit code.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LanguageModel } from '../../src/index.js';
import { logSoftmaxAt } from '../../src/lm/perplexity.js';
import { expectClose, fixturesDir, loadFixture } from '../helpers/fixtures.js';
import { ortRun, ortSession } from '../helpers/onnxruntime.js';
import { runMain } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'deeprnn-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('deeprnn export', () => {
  it("of a PyTorch-trained LSTM, run by ONNX Runtime on held-out text, gives PyTorch's perplexity within 1e-4", async () => {
    const ref = loadFixture('trained_lstm');
    const out = join(dir, 'trained.onnx');
    const r = await runMain(
      'export',
      '--model',
      `${fixturesDir}trained_lstm.safetensors`,
      '--format',
      'onnx',
      '--out',
      out,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^wrote .*trained\.onnx \(onnx, \d+ bytes\): 2-layer lstm, 32 hidden, 28 tokens\n$/);

    const ids = Int32Array.from(ref.heldout_ids as number[]);
    const n = ids.length - 1;
    const session = await ortSession(readFileSync(out));
    const zeros = new Float32Array(2 * 32);
    const { logits } = await ortRun(session, ids.subarray(0, n), [1, n], { h: zeros, c: zeros }, [2, 32]);
    let nll = 0;
    for (let t = 0; t < n; t++) nll -= logSoftmaxAt(logits, t * 28, 28, ids[t + 1]);
    const perplexity = Math.exp(nll / n);
    console.log(`held-out perplexity: ONNX Runtime ${perplexity}, PyTorch ${ref.perplexity}`);
    expect(Math.abs(perplexity / ref.perplexity - 1)).toBeLessThan(1e-4);

    // deeprnn itself, reading the exported file back, agrees as well.
    const lm = await LanguageModel.load(out, { backend: 'wasm' });
    expect(Math.abs((await lm.evaluate(ids)) / ref.perplexity - 1)).toBeLessThan(1e-4);
    lm.dispose();
  });

  it('converts a TF.js model.json to ONNX that ONNX Runtime runs with the logits TF.js computed', async () => {
    const f = loadFixture('tfjs_lstm_embedding');
    const out = join(dir, 'keras.onnx');
    const r = await runMain(
      'export',
      '--model',
      `${fixturesDir}tfjs_lstm_embedding/model.json`,
      '--out',
      out,
      '--json',
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ out, format: 'onnx', config: { cell: 'lstm', layers: 2, hidden: 6 } });
    const { batch: B, steps: T, vocab_size: V } = f.meta;
    const zeros = new Float32Array(2 * B * 6);
    const got = await ortRun(
      await ortSession(readFileSync(out)),
      Int32Array.from(f.ids.flat()),
      [B, T],
      { h: zeros, c: zeros },
      [2, 6],
    );
    // Both are (batch, seq, vocab), batch-major.
    expect(got.logitsDims).toEqual([B, T, V]);
    expectClose(got.logits, f.logits.data, 'TF.js -> deeprnn -> ONNX Runtime logits', 1e-5, 0);
  });

  it('gives a vocabulary-less torch.onnx export its --vocab, then generate and eval use the checkpoint', async () => {
    const model = `${fixturesDir}onnx_torch_rnn_tanh.onnx`;
    const out = join(dir, 'torch.safetensors');
    const missing = await runMain('export', '--model', model, '--format', 'safetensors', '--out', out);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(
      /^deeprnn: .*onnx_torch_rnn_tanh\.onnx: this ONNX model has no vocabulary: pass \{ vocab \}.* \[E_BAD_CHECKPOINT\]\n$/,
    );
    const vocab = join(dir, 'vocab.json');
    writeFileSync(vocab, JSON.stringify(loadFixture('onnx_torch_rnn_tanh').vocab));
    const ok = await runMain('export', '--model', model, '--format', 'safetensors', '--out', out, '--vocab', vocab);
    expect(ok.code).toBe(0);
    const generated = await runMain(
      'generate',
      '--model',
      out,
      '--prefix',
      'the ',
      '--length',
      '5',
      '--backend',
      'wasm',
    );
    expect(generated.code).toBe(0);
    expect(generated.stdout).toMatch(/^the [ a-z<>]+\n$/);
    const text = join(dir, 'text.txt');
    writeFileSync(text, 'the time traveller is here');
    const ev = await runMain(
      'eval',
      '--model',
      `${fixturesDir}onnx_torch_lstm.onnx`,
      '--data',
      text,
      '--backend',
      'wasm',
    );
    expect(ev.code).toBe(0);
    expect(ev.stdout).toMatch(/^perplexity \d+\.\d+\n$/);
  });

  it('--help lists its flags; bad arguments exit 2, models it cannot run exit 1 naming why', async () => {
    const help = await runMain('export', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: deeprnn export --model FILE --out FILE \[options\]/);
    expect(help.stdout).toMatch(/--format onnx\|safetensors .*\[default onnx\]/);
    expect(help.stdout).toMatch(/--vocab FILE/);
    expect((await runMain('--help')).stdout).toMatch(/export +convert a model/);
    const format = await runMain('export', '--model', 'm', '--out', 'x', '--format', 'tflite');
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(/--format must be one of onnx, safetensors, got 'tflite'/);
    expect((await runMain('export', '--model', 'm')).stderr).toMatch(/--out is required/);
    const gru = await runMain(
      'export',
      '--model',
      `${fixturesDir}tfjs_gru_reset_before/model.json`,
      '--out',
      join(dir, 'g.onnx'),
    );
    expect(gru.code).toBe(1);
    expect(gru.stderr).toMatch(/reset_after = false.* \[E_BAD_CHECKPOINT\]\n$/);
  });
});
