/**
 * The Node build trains off the main thread (worker_threads) with the same numbers as on it, also when
 * that worker runs the model on threads of its own.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { bookText, scenario, type ScenarioInput, type ScenarioResult } from '../browser/scenario.js';

const nodeBuild = new URL('../../dist/node/index.js', import.meta.url).href;

function inWorkerThread(input: ScenarioInput): Promise<ScenarioResult> {
  // CommonJS eval code: the scenario arrives as source text, the library through dynamic import.
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const scenario = ${scenario.toString()};
    import(${JSON.stringify(nodeBuild)}).then((lib) => scenario(lib, workerData)).then((r) => parentPort.postMessage(r));`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true, workerData: input });
    worker.once('message', (r: ScenarioResult) => {
      resolve(r);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

describe('dist/node in worker_threads', () => {
  it('trains and generates in a worker exactly as on the main thread', async () => {
    const input: ScenarioInput = {
      text: bookText(2000),
      cell: 'lstm',
      layers: 2,
      hidden: 16,
      backend: 'wasm',
      epochs: 2,
      lr: 1,
      seed: 5,
    };
    const lib = await import(nodeBuild);
    const [main, worker, threaded] = [
      await scenario(lib, input),
      await inWorkerThread(input),
      await inWorkerThread({ ...input, threads: 3 }),
    ];
    expect(worker).toEqual(main);
    expect(threaded).toEqual({ ...main, threads: 3 });
    expect(main.backend).toBe('wasm');
    expect(main.perplexities[1]).toBeLessThan(main.perplexities[0]);
    expect(main.greedy.startsWith('time traveller')).toBe(true);
  });
});
