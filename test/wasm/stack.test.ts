// The recurrent stack alone (dense input) against PyTorch: test/fixtures/stack_*.json.
import { describe, it } from 'vitest';
import { expectClose, fixtureNames, loadFixture } from '../helpers/fixtures.js';
import { WasmStack } from '../../src/backends/wasm/stack-runner.js';
import { buildsUnderTest } from './builds.js';

const f32 = (t: { data: number[] }) => Float32Array.from(t.data);

describe.each(buildsUnderTest())('stack fixtures, %s build', (build) => {
  for (const name of fixtureNames('stack_')) {
    it(name, async () => {
      const fx = loadFixture(name);
      const m = fx.meta;
      const cell = m.cell === 'rnn_tanh' ? 'rnn' : m.cell;
      const stack = await WasmStack.create(
        { cell, layers: m.num_layers, inputSize: m.input_size, hidden: m.hidden_size },
        m.batch,
        m.seq_len,
        build,
      );
      const weights: Record<string, Float32Array> = {};
      for (const [k, v] of Object.entries(fx.weights)) weights[k] = f32(v as { data: number[] });
      stack.loadWeights(weights);
      const base = { x: f32(fx.x), h0: f32(fx.h0), c0: fx.c0 ? f32(fx.c0) : undefined, dOutput: f32(fx.R) };
      const r1 = stack.run(base);
      expectClose(r1.output, fx.output.data, `${name} output`);
      expectClose(r1.hn, fx.h_n.data, `${name} h_n`);
      if (fx.c_n) expectClose(r1.cn!, fx.c_n.data, `${name} c_n`);
      for (const [k, v] of Object.entries(fx.grads))
        expectClose(r1.grads[k], (v as { data: number[] }).data, `${name} grad ${k}`);
      const r2 = stack.run({ ...base, dhn: f32(fx.Rh), dcn: fx.Rc ? f32(fx.Rc) : undefined });
      for (const [k, v] of Object.entries(fx.grads_state_loss)) {
        expectClose(r2.grads[k], (v as { data: number[] }).data, `${name} state-loss grad ${k}`);
      }
    });
  }
});
