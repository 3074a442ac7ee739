// Threads change nothing but speed: the same model trained on 1 thread (no workers, no shared memory),
// 2 and 3 threads (every call split, however small, and at the default split threshold; each part
// computed by the worker it was handed to, none taken back by the calling thread) gives the same
// bits - logits, loss, gradients, the gradient norm, states, parameters and Adam moments after SGD and
// Adam steps, perplexity, batch-1 generation - for sizes that divide evenly by nothing (H 37, V 29,
// batch 5 and 9, 7 steps).
import { describe, expect, it } from 'vitest';
import { WasmEngine, type WasmEngineOptions } from '../../src/backends/wasm/engine.js';
import { RecurrentModelCore } from '../../src/model/model.js';
import type { ModelConfig, RecurrentModel, StateDict } from '../../src/model/types.js';
import { validateConfig } from '../../src/model/validate.js';
import { tokens } from '../model/backends.js';

async function create(config: ModelConfig, options: WasmEngineOptions): Promise<[RecurrentModel, WasmEngine]> {
  const engine = await WasmEngine.create(validateConfig(config), options);
  return [new RecurrentModelCore(engine), engine];
}

/** The tensors of a state dict, named `what i`, in the dict's order. */
const named = (what: string, dict: StateDict): Array<[string, Float32Array]> =>
  Object.keys(dict).map((k, i) => [`${what} ${i}`, dict[k].data]);

/** Every number a short training run produces, in a fixed order, one array per quantity. */
async function everything(m: RecurrentModel, V: number): Promise<Array<[string, ArrayLike<number>]>> {
  const out: Array<[string, ArrayLike<number>]> = [];
  const [x0, y0, x1, y1, x2, y2] = [1, 2, 3, 4, 5, 6].map((s) => tokens(s, 5, 7, V));
  const g = await m.lossAndGrads(x0, y0, null);
  out.push(['logits', g.logits], ['loss', [g.loss, g.gradNorm]], ['h', g.state.h], ['c', g.state.c ?? []]);
  out.push(...named('grad', g.grads));
  m.trainStep(x0, y0, { lr: 1, clip: 0.5, resetState: true });
  m.trainStep(x1, y1, { lr: 1, clip: 0.5 });
  m.trainStep(x2, y2, { optimizer: 'adam', lr: 0.01, clip: 0.5 });
  out.push(['perplexity', [Math.exp((await m.readLoss()).loss)]]);
  out.push(...named('param', await m.stateDict()));
  const adam = (await m.optimizerState()).adam!;
  out.push(...named('adam m', adam.m), ...named('adam v', adam.v));
  const wide = await m.forward(tokens(7, 9, 7, V));
  out.push(['batch 9 logits', wide.logits], ['batch 9 h', wide.state.h]);
  const one = await m.forward(tokens(8, 1, 3, V), null);
  out.push(['batch 1 logits', one.logits]);
  return out;
}

function expectSameBits(
  actual: Array<[string, ArrayLike<number>]>,
  expected: Array<[string, ArrayLike<number>]>,
  what: string,
): void {
  expect(actual.map(([name]) => name)).toEqual(expected.map(([name]) => name));
  actual.forEach(([name, a], q) => {
    const e = expected[q][1];
    expect(a.length, `${what} ${name} length`).toBe(e.length);
    let first = -1;
    for (let i = 0; i < a.length && first < 0; i++) if (!Object.is(a[i], e[i])) first = i;
    expect(
      first,
      `${what} ${name}: first element that differs (${first >= 0 ? `${a[first]} vs ${e[first]}` : ''})`,
    ).toBe(-1);
  });
}

const cells: ModelConfig[] = [
  { cell: 'lstm', layers: 2, hidden: 37, vocabSize: 29, seed: 3, dropout: 0.25 },
  { cell: 'gru', layers: 2, hidden: 37, vocabSize: 29, seed: 4 },
  { cell: 'rnn', layers: 2, hidden: 37, vocabSize: 29, seed: 5 },
  { cell: 'rnn', nonlinearity: 'relu', layers: 1, hidden: 37, vocabSize: 29, seed: 6 },
];

describe('WASM threads', () => {
  for (const config of cells) {
    it(`${config.cell}${config.nonlinearity === 'relu' ? ' relu' : ''}: 1, 2 and 3 threads give the same bits`, async () => {
      const [single] = await create(config, { threads: 1 });
      const reference = await everything(single, config.vocabSize);
      single.dispose();
      for (const threads of [2, 3]) {
        const [m, engine] = await create(config, { threads, minWork: 0, steal: false });
        expect(m.threads).toBe(threads);
        expectSameBits(await everything(m, config.vocabSize), reference, `${threads} threads`);
        expect(engine.threadedTasks).toBeGreaterThan(50);
        expect(engine.workerParts).toBeGreaterThan(0);
        m.dispose();
      }
    });
  }

  it('at the default split threshold: d2l-shaped steps split, same bits', async () => {
    const config: ModelConfig = { cell: 'lstm', layers: 2, hidden: 64, vocabSize: 28, seed: 1 };
    const run = async (threads: number) => {
      const [m, engine] = await create(config, { threads, steal: false });
      for (let s = 0; s < 2; s++) m.trainStep(tokens(s, 32, 35, 28), tokens(s + 1, 32, 35, 28), { lr: 2, clip: 1 });
      const result: Array<[string, ArrayLike<number>]> = named('param', await m.stateDict());
      result.push(['loss', [(await m.readLoss()).loss]]);
      const [tasks, parts] = [engine.threadedTasks, engine.workerParts];
      m.dispose();
      return { result, tasks, parts };
    };
    const one = await run(1);
    const two = await run(2);
    expect(one.tasks).toBe(0);
    expect(two.tasks).toBeGreaterThan(20);
    expect(two.parts).toBeGreaterThan(0);
    expectSameBits(two.result, one.result, '2 threads');
  });
});
