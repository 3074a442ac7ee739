/**
 * The training worker: owns the one LanguageModel, so training and sampling never block the page.
 * Messages are handled one at a time, except 'stop', which aborts the running job at its next check
 * (training checks once per batch after each epoch's yield; generation once per token).
 */
import { DeepRnnError, LanguageModel, buildCorpus } from '../dist/browser/index.js';
import type { FromWorker, ModelInfo, ToWorker } from './protocol.js';

const scope = self as unknown as DedicatedWorkerGlobalScope;
let lm: LanguageModel | undefined;
let running: AbortController | undefined;

const send = (message: FromWorker, transfer: Transferable[] = []): void => scope.postMessage(message, transfer);

function info(model: LanguageModel, tokens?: number): ModelInfo {
  const { cell, layers, hidden, vocabSize } = model.config;
  return { backend: model.backend, cell, layers, hidden, vocabSize, tokens };
}

function replace(next: LanguageModel): void {
  lm?.dispose();
  lm = next;
}

async function handle(message: ToWorker): Promise<void> {
  if (message.type === 'train') {
    const { text, model, train } = message;
    const corpus = await buildCorpus(text, { preprocess: 'd2l', tokenize: 'char', maxTokens: train.maxTokens });
    replace(await LanguageModel.create(corpus.vocab, model));
    const current = lm as LanguageModel;
    send({ type: 'model', info: info(current, corpus.tokens.length) });
    const result = await current.train(corpus.tokens, {
      epochs: train.epochs, lr: train.lr, batchSize: train.batchSize, numSteps: train.numSteps, signal: running?.signal,
      onEpoch: (event) => send({ type: 'epoch', event }),
    });
    send({ type: 'trained', aborted: result.aborted });
  } else if (message.type === 'generate') {
    const model = need();
    // Temperature 0 means greedy, as in `deeprnn generate`.
    const greedy = message.temperature === 0;
    const options = { length: message.length, greedy, temperature: greedy ? 1 : message.temperature, topK: message.topK, seed: message.seed, signal: running?.signal };
    let text = '';
    for await (const token of model.stream(message.prefix, options)) {
      text += token.text;
      send({ type: 'token', text: token.text });
    }
    send({ type: 'generated', text });
  } else if (message.type === 'save') {
    const bytes = await need().toBytes();
    send({ type: 'saved', bytes }, [bytes.buffer]);
  } else if (message.type === 'load') {
    replace(await LanguageModel.load(message.bytes, { backend: message.backend, wasmBuild: message.wasmBuild }));
    send({ type: 'model', info: info(lm as LanguageModel) });
  }
}

function need(): LanguageModel {
  if (lm === undefined) throw new DeepRnnError('E_BAD_OPTION', 'train or load a model first');
  return lm;
}

let queue = Promise.resolve();
scope.onmessage = (e: MessageEvent<ToWorker>) => {
  const message = e.data;
  if (message.type === 'stop') {
    running?.abort();
    return;
  }
  queue = queue.then(async () => {
    running = new AbortController();
    try {
      await handle(message);
    } catch (error) {
      const code = error instanceof DeepRnnError ? error.code : 'error';
      send({ type: 'error', code, message: error instanceof Error ? error.message : String(error) });
    } finally {
      running = undefined;
    }
  });
};
