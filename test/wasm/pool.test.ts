// The worker pool's life: a worker that exits, dies in the middle of its part or throws in a kernel makes
// the call or the next one (and every later one) throw E_WORKER_FAILED instead of hanging; a worker that
// is not scheduled holds nothing up; dispose() ends every worker; a Node program that used threads exits
// by itself, disposed or not.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { WasmEngine, type WasmEngineOptions } from '../../src/backends/wasm/engine.js';
import { WORKER_KERNELS } from '../../src/backends/wasm/parallel.js';
import { controlLayout, type WorkerPool } from '../../src/backends/wasm/pool.js';
import { RecurrentModelCore } from '../../src/model/model.js';
import type { ModelConfig } from '../../src/model/types.js';
import { validateConfig } from '../../src/model/validate.js';
import { codeOf, tokens } from '../model/backends.js';

const config: ModelConfig = { cell: 'gru', layers: 2, hidden: 16, vocabSize: 11, seed: 2 };

async function threaded(options: WasmEngineOptions = {}) {
  const engine = await WasmEngine.create(validateConfig(config), { threads: 3, minWork: 0, ...options });
  // The tests reach into the pool to break it as a crash would.
  const pool = engine['pool'] as WorkerPool;
  const workers = pool['workers'] as Array<{ terminate(): void; exited: Promise<void> }>;
  return { model: new RecurrentModelCore(engine), engine, pool, workers };
}

const step = (m: RecurrentModelCore) => m.trainStep(tokens(1, 4, 5, 11), tokens(2, 4, 5, 11), { lr: 1, clip: 1 });

describe('WASM worker pool', () => {
  it('a worker that exits while the model is idle: E_WORKER_FAILED at the next call and every later one', async () => {
    const { model, workers } = await threaded();
    step(model);
    workers[1].terminate();
    await workers[1].exited;
    await new Promise((r) => setTimeout(r, 10)); // the exit event is delivered on this thread's event loop
    expect(await codeOf(() => step(model))).toBe('E_WORKER_FAILED');
    expect(await codeOf(() => model.forward(tokens(3, 4, 5, 11)))).toBe('E_WORKER_FAILED');
    expect(await codeOf(() => model.stateDict())).toBe('E_WORKER_FAILED');
    model.dispose();
    expect(await codeOf(() => step(model))).toBe('E_DISPOSED');
  });

  it('a worker that took its part and died: E_WORKER_FAILED after the timeout, not a hang', async () => {
    const { model, pool } = await threaded({ timeoutMs: 200 });
    step(model);
    const c = pool['control'] as Int32Array;
    const layout = controlLayout(2);
    // The workers leave at their next wake-up without taking anything; part 1 is marked taken, as if
    // worker 1 had taken it and died.
    Atomics.store(c, layout.stop, 1);
    const parts = [[0], [1], [2]];
    const t0 = performance.now();
    let error: unknown;
    try {
      pool.run(WORKER_KERNELS.indexOf('mulInto'), parts, (args) => {
        if (args === parts[0]) Atomics.add(c, layout.states, 1);
      });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'E_WORKER_FAILED' });
    expect((error as Error).message).toMatch(/worker 1 did not finish its part within \d+ ms/);
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(await codeOf(() => step(model))).toBe('E_WORKER_FAILED');
    model.dispose();
  });

  it('a kernel that traps in a worker: E_WORKER_FAILED from that call', async () => {
    const { model, pool } = await threaded();
    const c = pool['control'] as Int32Array;
    const layout = controlLayout(2);
    const outOfBounds = 2 ** 32 - 64;
    const bad = [outOfBounds, 8, outOfBounds, 8, 1, outOfBounds, 8, 8, 8, 8, 0, 0, 8];
    const parts = [[], bad, bad];
    let error: unknown;
    try {
      pool.run(WORKER_KERNELS.indexOf('gemmRows'), parts, (args) => {
        // Part 0 waits until both workers have taken theirs, so that this thread does not run them.
        const posted = 3 * Atomics.load(c, layout.gen);
        const waiting = () =>
          Atomics.load(c, layout.states) === posted || Atomics.load(c, layout.states + 1) === posted;
        if (args === parts[0]) while (waiting());
      });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'E_WORKER_FAILED' });
    expect((error as Error).message).toMatch(/failed in a kernel/);
    expect(await codeOf(() => step(model))).toBe('E_WORKER_FAILED');
    model.dispose();
  });

  it('a worker the OS does not run does not hold a call up: this thread computes its part', async () => {
    const single = new RecurrentModelCore(await WasmEngine.create(validateConfig(config), { threads: 1 }));
    const { model, pool, engine } = await threaded();
    // Stopped workers never take a part again, so every part of every call runs here.
    Atomics.store(pool['control'] as Int32Array, controlLayout(2).stop, 1);
    for (const m of [single, model]) for (let s = 0; s < 2; s++) step(m);
    expect(engine.threadedTasks).toBeGreaterThan(10);
    expect(engine.workerParts).toBe(0);
    expect(await model.stateDict()).toEqual(await single.stateDict());
    single.dispose();
    model.dispose();
  });

  it('dispose() ends every worker', async () => {
    const { model, engine } = await threaded();
    step(model);
    model.dispose();
    let ended = false;
    await Promise.race([engine.closed().then(() => (ended = true)), new Promise((r) => setTimeout(r, 5000))]);
    expect(ended).toBe(true);
  });

  it('a Node program that trained on threads exits by itself, whether or not it disposed the model', async () => {
    const lib = new URL('../../dist/node/index.js', import.meta.url).href;
    for (const dispose of [true, false]) {
      const program = `
        const lib = await import(${JSON.stringify(lib)});
        const m = await lib.createWasmModel({ cell: 'lstm', layers: 2, hidden: 64, vocabSize: 20 }, { threads: 3 });
        const x = { shape: [32, 35], data: new Int32Array(32 * 35).map((_, i) => (i * 7) % 20) };
        m.trainStep(x, x, { lr: 1, clip: 1 });
        console.log(m.threads, (await m.readLoss()).loss > 0);
        ${dispose ? 'm.dispose();' : ''}`;
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', program], {
        timeout: 30_000,
      });
      expect(stdout.trim(), `dispose: ${dispose}`).toBe('3 true');
    }
  });
});
