/**
 * The exported files against the ONNX reference implementation: python's onnx.checker with full_check
 * (schema checks of every node and attribute, then strict shape inference) must accept every cell's
 * graph, so "standard ONNX" does not rest on one runtime's leniency. Needs Debian's python3-onnx.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LanguageModel, Vocab } from '../../src/index.js';
import { unavailable } from '../helpers/requires.js';

const PYTHON = '/usr/bin/python3';
const hasOnnx = spawnSync(PYTHON, ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0;
if (!hasOnnx) unavailable({ missing: `no python onnx for ${PYTHON}`, install: 'apt-get install python3-onnx' });

const CHECK = `
import sys, onnx
for path in sys.argv[1:]:
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    out = inferred.graph.output[0].type.tensor_type.shape.dim
    print(path.rsplit('/', 1)[-1], [d.dim_param or d.dim_value for d in out])
`;

(hasOnnx ? describe : describe.skip)('onnx.checker (the ONNX reference implementation)', () => {
  it('accepts the export of every cell, with the logits shape inferred as (batch, seq, vocab)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deeprnn-onnx-check-'));
    try {
      const vocab = Vocab.fromText('hello onnx checker');
      const paths: string[] = [];
      for (const [cell, nonlinearity, layers] of [
        ['rnn', 'relu', 2],
        ['rnn', 'tanh', 1],
        ['gru', 'tanh', 3],
        ['lstm', 'tanh', 2],
      ] as const) {
        const lm = await LanguageModel.create(vocab, { cell, nonlinearity, layers, hidden: 4, backend: 'wasm' });
        const path = join(dir, `${cell}-${nonlinearity}-${layers}.onnx`);
        writeFileSync(path, await lm.toOnnx());
        lm.dispose();
        paths.push(path);
      }
      const out = execFileSync(PYTHON, ['-c', CHECK, ...paths], { encoding: 'utf8' });
      for (const p of paths) expect(out).toContain(`${p.split('/').pop()} ['batch', 'seq', ${vocab.size}]`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
