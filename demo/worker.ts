/**
 * The training worker: owns the one LanguageModel, so training and sampling never block the page.
 * Messages are handled one at a time, except 'stop', which aborts the running job at its next check
 * (training checks once per batch after each ~50 ms yield; generation once per token).
 */
import {
  DeepRnnError,
  LanguageModel,
  availableThreads,
  buildCorpus,
  decodeCheckpoint,
  splitCorpus,
  type Vocab,
} from '../dist/browser/index.js';
import type { FromWorker, ModelInfo, ToWorker } from './protocol.js';

const scope = self as unknown as DedicatedWorkerGlobalScope;
let lm: LanguageModel | undefined;
let running: AbortController | undefined;

const send = (message: FromWorker, transfer: Transferable[] = []): void => scope.postMessage(message, transfer);

/** Characters in each live sample: a line's worth, as char-rnn prints while it trains. */
const SAMPLE_LENGTH = 60;
/**
 * Low, not 0: greedy decoding of a young model repeats its most likely character (spaces) and shows
 * nothing; a cool sample shows its first words early. One seed for all, so that lines differ only as
 * the model does.
 */
const SAMPLE_TEMPERATURE = 0.5;

async function info(model: LanguageModel, more: Pick<ModelInfo, 'trained' | 'loaded'>): Promise<ModelInfo> {
  const { cell, layers, hidden, vocabSize, dropout } = model.config;
  const parameters = model.model
    .parameterShapes()
    .reduce((sum, [, shape]) => sum + shape.reduce((a, b) => a * b, 1), 0);
  // Why a WASM model got 1 thread on a machine with more cores: the page is not cross-origin isolated.
  const { notice } = await availableThreads();
  const threadsNotice = model.backend === 'wasm' && model.threads === 1 && notice !== null ? notice : undefined;
  const { threads, backend } = model;
  return { backend, threads, threadsNotice, cell, layers, hidden, dropout, vocabSize, parameters, ...more };
}

function replace(next: LanguageModel): void {
  lm?.dispose();
  lm = next;
}

/** The first words of the corpus (d2l's "time traveller" for its book): a prefix the model has seen. */
function samplePrefix(vocab: Vocab, tokens: Int32Array): string {
  const start = vocab.decode(tokens.subarray(0, 40)).replace(/<unk>/g, ' ').trim();
  let prefix = '';
  for (const word of start.split(/\s+/)) {
    prefix = prefix ? `${prefix} ${word}` : word;
    if (prefix.length >= 10) break;
  }
  return prefix.slice(0, 24) || 'the';
}

async function handle(message: ToWorker): Promise<void> {
  const signal = running?.signal;
  if (message.type === 'train') {
    const { text, model, train } = message;
    const { preprocess, tokenize, minFreq } = train;
    const corpus = await buildCorpus(text, { preprocess, tokenize, minFreq, maxTokens: train.maxTokens });
    const split = splitCorpus(corpus.tokens, { validation: train.validation });
    replace(await LanguageModel.create(corpus.vocab, model));
    const current = lm as LanguageModel;
    const recipe = {
      epochs: train.epochs,
      lr: train.lr,
      batchSize: train.batchSize,
      numSteps: train.numSteps,
      optimizer: train.optimizer,
      clip: train.clip,
      lrDecay: train.lrDecay,
    };
    send({
      type: 'model',
      info: await info(current, {
        trained: { train: split.train.length, validation: split.validation.length, recipe },
      }),
    });
    const prefix = samplePrefix(corpus.vocab, corpus.tokens);
    // About ten samples a run, at least one every ten epochs (as d2l prints), and the first epoch's for early feedback.
    const every = Math.min(10, Math.max(1, Math.round(train.epochs / 10)));
    const result = await current.train(split.train, {
      ...recipe,
      validation: train.validation > 0 ? split.validation : undefined,
      signal,
      onProgress: (progress) => send({ type: 'progress', progress }),
      // The loop awaits this, so the sample is drawn between epochs; the next epoch starts from a zero
      // state anyway (sequential partitioning resets it at batch 0), so sampling does not disturb training.
      onEpoch: async (event) => {
        send({ type: 'epoch', event });
        if (event.epoch % every !== 0 && event.epoch !== 1 && event.epoch !== event.epochs) return;
        const sample = await current.generate(prefix, {
          length: SAMPLE_LENGTH,
          temperature: SAMPLE_TEMPERATURE,
          seed: 0,
          signal,
        });
        if (!signal?.aborted) send({ type: 'sample', epoch: event.epoch, prefix, text: sample }); // not a cut-off line
      },
    });
    send({ type: 'trained', aborted: result.aborted });
  } else if (message.type === 'generate') {
    const model = need();
    const { prefix, length, temperature, topK, topP, seed } = message;
    // Tokens go to the page in chunks, at most every 50 ms: one message per token floods the page.
    let chunk = '';
    let sent = performance.now();
    for await (const token of model.stream(prefix, { length, temperature, topK, topP, seed, signal })) {
      chunk += token.text;
      if (performance.now() - sent > 50) {
        send({ type: 'token', text: chunk });
        chunk = '';
        sent = performance.now();
      }
    }
    if (chunk) send({ type: 'token', text: chunk });
    send({ type: 'generated' });
  } else if (message.type === 'save') {
    const bytes = await need().toBytes();
    send({ type: 'saved', bytes }, [bytes.buffer]);
  } else if (message.type === 'load') {
    // Decoded here rather than by LanguageModel.load, to read the run's record for the summary.
    const ckpt = decodeCheckpoint(message.bytes);
    const { backend, wasmBuild, threads } = message;
    replace(await LanguageModel.fromCheckpoint(ckpt, { backend, wasmBuild, threads }));
    const history = ckpt.training?.history ?? [];
    send({
      type: 'model',
      info: await info(lm as LanguageModel, { loaded: { name: message.name, last: history[history.length - 1] } }),
    });
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
