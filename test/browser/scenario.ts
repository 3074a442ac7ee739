/**
 * One small train-then-generate run, written so the very same function runs on the Node build, in a
 * Chromium page, in a Web Worker and in a Node worker_thread: it takes the library as an argument and
 * touches nothing else (its source is shipped to the browser with Function.prototype.toString).
 */
import { timeMachineText } from '../helpers/data.js';

export interface ScenarioInput {
  text: string;
  cell: 'rnn' | 'gru' | 'lstm';
  layers: number;
  hidden: number;
  backend: 'wasm' | 'webgpu';
  wasmBuild?: 'nn' | 'nn-relaxed';
  threads?: number | 'auto';
  epochs: number;
  lr: number;
  seed: number;
}

export interface ScenarioResult {
  backend: string;
  threads: number;
  /** exp(mean loss) of each epoch, as the library reports it. */
  perplexities: number[];
  greedy: string;
  sampled: string;
}

/** Self-contained: no imports, no helpers, no closures (it is re-parsed from its source text). */
export async function scenario(lib: any, input: ScenarioInput): Promise<ScenarioResult> {
  const corpus = await lib.buildCorpus(input.text, { preprocess: 'd2l', tokenize: 'char' });
  const lm = await lib.LanguageModel.create(corpus.vocab, {
    cell: input.cell,
    layers: input.layers,
    hidden: input.hidden,
    seed: input.seed,
    backend: input.backend,
    wasmBuild: input.wasmBuild,
    threads: input.threads,
  });
  try {
    const result = await lm.train(corpus.tokens, {
      epochs: input.epochs,
      batchSize: 4,
      numSteps: 16,
      lr: input.lr,
      clip: 1,
    });
    const greedy = await lm.predict('time traveller', 30);
    const sampled = await lm.generate('the ', { length: 60, temperature: 0.8, topK: 5, seed: 7 });
    return {
      backend: lm.backend,
      threads: lm.threads,
      perplexities: result.history.map((e: { trainPerplexity: number }) => e.trainPerplexity),
      greedy,
      sampled,
    };
  } finally {
    lm.dispose();
  }
}

/** The first `chars` characters of The Time Machine, past Gutenberg's title lines. */
export function bookText(chars: number): string {
  return timeMachineText().slice(0, chars);
}

/** A JS expression that evaluates (in a page) to the scenario's result on the browser bundle. */
export function inPage(input: ScenarioInput): string {
  return `(async () => { const lib = await import('/dist/browser/index.js'); return (${scenario.toString()})(lib, ${JSON.stringify(input)}); })()`;
}

/** The source of a module worker that runs the scenario on the bundle at `bundleUrl` for each message. */
export function workerSource(bundleUrl: string): string {
  return `import * as lib from ${JSON.stringify(bundleUrl)};
const scenario = ${scenario.toString()};
self.onmessage = async (e) => {
  try { self.postMessage({ ok: await scenario(lib, e.data) }); } catch (error) { self.postMessage({ error: String(error) }); }
};`;
}
