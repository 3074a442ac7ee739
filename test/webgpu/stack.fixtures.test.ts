/** The recurrent stack alone (dense input) against PyTorch's nn.RNN/GRU/LSTM: test/fixtures/stack_*.json. */
import { expect, it } from 'vitest';
import { createDenseStack } from '../../src/backends/webgpu/dense-stack.js';
import { expectClose, fixtureNames, loadFixture } from '../helpers/fixtures.js';
import { describeGpu, testDevice } from './gpu.js';

const device = await testDevice();
const f32 = (t: { data: number[] }): Float32Array => Float32Array.from(t.data);

describeGpu(device)('stack fixtures (WebGPU)', () => {
  it('finds the stack fixtures', () => expect(fixtureNames('stack_').length).toBeGreaterThanOrEqual(3));

  for (const name of fixtureNames('stack_')) {
    it(name, async () => {
      const fx = loadFixture(name);
      const m = fx.meta;
      const cell = m.cell.startsWith('rnn') ? 'rnn' : m.cell;
      const stack = await createDenseStack(
        {
          cell,
          nonlinearity: m.cell === 'rnn_relu' ? 'relu' : 'tanh',
          layers: m.num_layers,
          hidden: m.hidden_size,
          inputSize: m.input_size,
        },
        { device: device! },
      );
      const weights: Record<string, Float32Array> = {};
      for (const [k, v] of Object.entries(fx.weights)) weights[k] = f32(v as { data: number[] });
      const base = {
        weights,
        batch: m.batch,
        steps: m.seq_len,
        x: f32(fx.x),
        h0: f32(fx.h0),
        c0: fx.c0 ? f32(fx.c0) : undefined,
        dout: f32(fx.R),
      };

      const r1 = await stack.run(base);
      expectClose(r1.output, fx.output.data, `${name} output`);
      expectClose(r1.hn, fx.h_n.data, `${name} h_n`);
      if (fx.c_n) expectClose(r1.cn!, fx.c_n.data, `${name} c_n`);
      for (const [k, g] of Object.entries(fx.grads))
        expectClose(r1.grads[k], (g as { data: number[] }).data, `${name} grad ${k}`);

      const r2 = await stack.run({ ...base, dhn: f32(fx.Rh), dcn: fx.Rc ? f32(fx.Rc) : undefined });
      for (const [k, g] of Object.entries(fx.grads_state_loss))
        expectClose(r2.grads[k], (g as { data: number[] }).data, `${name} state-loss grad ${k}`);
      stack.dispose();
    });
  }
});
