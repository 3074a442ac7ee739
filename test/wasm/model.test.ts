// The whole model (one-hot -> stack -> linear -> mean cross-entropy, clipping, SGD, Adam) against
// PyTorch: test/fixtures/model_*.json, on both kernel builds, on 1 thread and on 2 threads splitting
// every call.
import { describe, expect, it } from 'vitest';
import { expectClose, fixtureNames, loadFixture } from '../helpers/fixtures.js';
import { createWasmModel } from '../../src/backends/wasm/index.js';
import type { StateDict } from '../../src/model/types.js';
import { buildsUnderTest } from './builds.js';
import { batchOf, configOf, paramsOf } from './fixture-model.js';
import { splitWasmModel } from '../model/backends.js';

function expectDict(actual: StateDict, ref: Record<string, { data: number[] }>, what: string): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(ref).sort());
  for (const [name, t] of Object.entries(ref)) expectClose(actual[name].data, t.data, `${what} ${name}`);
}

const runs = buildsUnderTest().flatMap((build) => [1, 2].map((threads) => [build, threads] as const));

describe.each(runs)('model fixtures, %s build, %i thread(s)', (build, threads) => {
  for (const name of fixtureNames('model_')) {
    it(name, async () => {
      const fx = loadFixture(name);
      const { lr, clip_theta: clip, adam } = fx.meta;
      const model =
        threads === 1
          ? await createWasmModel(configOf(fx), { build })
          : await splitWasmModel(configOf(fx), threads, build);
      model.loadStateDict(paramsOf(fx));
      const b0 = batchOf(fx, 0);
      const b1 = batchOf(fx, 1);

      const r = await model.lossAndGrads(b0.x, b0.y, null);
      expectClose(r.logits, fx.step1.logits.data, `${name} logits`);
      expectClose([r.loss], [fx.step1.loss], `${name} loss`);
      expectClose([Math.exp(r.loss)], [fx.step1.perplexity], `${name} perplexity`);
      expectClose(r.state.h, fx.step1.state_out.h.data, `${name} state h`);
      if (fx.step1.state_out.c) expectClose(r.state.c!, fx.step1.state_out.c.data, `${name} state c`);
      expectDict(r.grads, fx.step1.grads, `${name} grad`);
      expectClose([r.gradNorm], [fx.step1.grad_norm], `${name} grad norm`);
      expectClose([Math.min(1, clip / r.gradNorm)], [fx.step1.clip_scale], `${name} clip scale`);

      // Two clipped SGD steps, the second from the carried (detached) state of the first.
      model.trainStep(b0.x, b0.y, { optimizer: 'sgd', lr, clip, resetState: true });
      expectDict(await model.stateDict(), fx.step1.sgd_params, `${name} sgd step 1`);
      const s1 = (await model.getState())!;
      expectClose(s1.h, fx.step1.state_out.h.data, `${name} carried h`);
      model.trainStep(b1.x, b1.y, { optimizer: 'sgd', lr, clip });
      expectDict(await model.stateDict(), fx.step2.sgd_params, `${name} sgd step 2`);
      const s2 = (await model.getState())!;
      expectClose(s2.h, fx.step2.state_out.h.data, `${name} step 2 h`);
      if (fx.step2.state_out.c) expectClose(s2.c!, fx.step2.state_out.c.data, `${name} step 2 c`);
      const mean = await model.readLoss();
      expect(mean.tokens).toBe(2 * b0.x.data.length);
      expectClose([mean.loss], [(fx.step1.loss + fx.step2.loss) / 2], `${name} mean training loss`);

      // One Adam step from the initial parameters on the clipped gradients of batch 0.
      model.loadStateDict(paramsOf(fx));
      model.loadOptimizerState({ step: 0 });
      model.trainStep(b0.x, b0.y, {
        optimizer: 'adam',
        lr: adam.lr,
        beta1: adam.beta1,
        beta2: adam.beta2,
        eps: adam.eps,
        clip,
        resetState: true,
      });
      expectDict(await model.stateDict(), fx.adam1.adam_params, `${name} adam step`);
      expect((await model.optimizerState()).step).toBe(1);
      model.dispose();
    });
  }
});
