/**
 * The whole model (one-hot -> stack -> linear -> mean cross-entropy, clipping, SGD, Adam) against d2l's
 * RNNModel in PyTorch: test/fixtures/model_*.json.
 */
import { expect, it } from 'vitest';
import type { ModelConfig, RecurrentModel, RecurrentState, StateDict } from '../../src/model/types.js';
import { createWebGpuModel } from '../../src/backends/webgpu/index.js';
import { expectClose, fixtureNames, loadFixture, toStateDict, tokenTensor } from '../helpers/fixtures.js';
import { describeGpu, testDevice } from './gpu.js';

const device = await testDevice();

function configOf(m: any): ModelConfig {
  return {
    cell: m.cell,
    ...(m.cell === 'rnn' ? { nonlinearity: m.nonlinearity } : {}),
    layers: m.num_layers,
    hidden: m.hidden_size,
    vocabSize: m.vocab_size,
    seed: 1,
  };
}

function stateOf(s: any): RecurrentState {
  return s.c ? { h: Float32Array.from(s.h.data), c: Float32Array.from(s.c.data) } : { h: Float32Array.from(s.h.data) };
}

function expectState(actual: RecurrentState, ref: any, what: string): void {
  expectClose(actual.h, ref.h.data, `${what} h`);
  if (ref.c) expectClose(actual.c!, ref.c.data, `${what} c`);
  else expect(actual.c).toBeUndefined();
}

function expectDict(actual: StateDict, ref: Record<string, { data: number[] }>, what: string): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(ref).sort());
  for (const [k, v] of Object.entries(ref)) expectClose(actual[k].data, v.data, `${what} ${k}`);
}

describeGpu(device)('model fixtures (WebGPU)', () => {
  it('finds the model fixtures', () => expect(fixtureNames('model_').length).toBeGreaterThanOrEqual(6));

  for (const name of fixtureNames('model_')) {
    it(name, async () => {
      const fx = loadFixture(name);
      const m = fx.meta;
      const model: RecurrentModel = await createWebGpuModel(configOf(m), { device: device! });
      try {
        const params0 = toStateDict(fx.params);
        const [b0, b1] = fx.batches.map((b: any) => ({ x: tokenTensor(b.X), y: tokenTensor(b.Y) }));
        model.loadStateDict(params0);

        // Step 1: forward + backward from the zero state.
        const s1 = fx.step1;
        const r1 = await model.lossAndGrads(b0.x, b0.y, null);
        expectClose(r1.logits, s1.logits.data, `${name} logits`);
        expectClose(
          [r1.loss, Math.exp(r1.loss), r1.gradNorm],
          [s1.loss, s1.perplexity, s1.grad_norm],
          `${name} loss, perplexity, grad norm`,
        );
        expectState(r1.state, s1.state_out, `${name} state`);
        expectDict(r1.grads, s1.grads, `${name} grad`);
        expectState((await model.getState())!, s1.state_out, `${name} carried state`);

        // The forward pass alone gives the same logits and state.
        const f1 = await model.forward(b0.x, null);
        expectClose(f1.logits, s1.logits.data, `${name} forward logits`);

        // Two clipped SGD steps, the second from the carried (detached) state.
        model.trainStep(b0.x, b0.y, { optimizer: 'sgd', lr: m.lr, clip: m.clip_theta, resetState: true });
        expectDict(await model.stateDict(), s1.sgd_params, `${name} params after SGD step 1`);
        expectState((await model.getState())!, s1.state_out, `${name} state after SGD step 1`);
        model.trainStep(b1.x, b1.y, { optimizer: 'sgd', lr: m.lr, clip: m.clip_theta });
        expectDict(await model.stateDict(), fx.step2.sgd_params, `${name} params after SGD step 2`);
        expectState((await model.getState())!, fx.step2.state_out, `${name} state after SGD step 2`);
        const { loss, tokens } = await model.readLoss();
        expect(tokens).toBe(2 * m.batch * m.num_steps);
        expectClose([loss], [(s1.loss + fx.step2.loss) / 2], `${name} readLoss`);
        expect((await model.readLoss()).tokens).toBe(0);

        // Step 2's gradients from step 1's parameters and state.
        model.loadStateDict(toStateDict(s1.sgd_params));
        const r2 = await model.lossAndGrads(b1.x, b1.y, stateOf(s1.state_out));
        expectClose([r2.loss, r2.gradNorm], [fx.step2.loss, fx.step2.grad_norm], `${name} step 2 loss, grad norm`);
        expectDict(r2.grads, fx.step2.grads, `${name} step 2 grad`);

        // One Adam step on step 1's clipped gradients.
        model.loadStateDict(params0);
        model.loadOptimizerState({ step: 0 });
        const a = fx.meta.adam;
        model.trainStep(b0.x, b0.y, {
          optimizer: 'adam',
          lr: a.lr,
          beta1: a.beta1,
          beta2: a.beta2,
          eps: a.eps,
          clip: m.clip_theta,
          resetState: true,
        });
        expectDict(await model.stateDict(), fx.adam1.adam_params, `${name} params after Adam step`);
        const opt = await model.optimizerState();
        expect(opt.step).toBe(1);
        expect(Object.keys(opt.adam!.m).length).toBe(model.parameterShapes().length);
      } finally {
        model.dispose();
      }
    });
  }
});
