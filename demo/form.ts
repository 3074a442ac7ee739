/**
 * The two forms as plain data for the worker, and the checks the browser's own constraints (min, max,
 * step) cannot make. Ranges a field can state itself live in index.html, so the browser flags them.
 */
import type { OptimizerName, ThreadsOption } from '../dist/browser/index.js';
import { $, number, value } from './dom.js';
import type { GenerateChoice, KernelBuild, ModelChoice, TrainChoice } from './protocol.js';

/** d2l trains its char models with SGD at lr 2 (with clipping at 1); Adam diverges there. */
const SGD_LR = 2;
const ADAM_LR = 0.005;
/** Above this, Adam's steps are too large for these models: refused with a message rather than diverging. */
const ADAM_MAX_LR = 0.1;

/** The most characters one Generate asks for: enough for pages of text, little enough to stay responsive. */
export const MAX_LENGTH = 20_000;

export function wasmBuild(): KernelBuild | undefined {
  return $<HTMLInputElement>('relaxed').checked ? 'nn-relaxed' : undefined;
}

/** 'auto' or a number of threads. */
export function threadsChoice(): ThreadsOption {
  const v = value('threads');
  return v === 'auto' ? 'auto' : Number(v);
}

export function modelChoice(): ModelChoice {
  return {
    cell: value('cell') as ModelChoice['cell'],
    layers: number('layers'),
    hidden: number('hidden'),
    dropout: number('dropout'),
    seed: number('seed'),
    backend: value('backend') as ModelChoice['backend'],
    wasmBuild: wasmBuild(),
    threads: threadsChoice(),
  };
}

export function trainChoice(): TrainChoice {
  const maxTokens = number('max-tokens');
  const clip = number('clip');
  const rate = number('decay-rate');
  return {
    tokenize: value('tokenize') as TrainChoice['tokenize'],
    preprocess: value('preprocess') as TrainChoice['preprocess'],
    minFreq: number('min-freq'),
    epochs: number('epochs'),
    lr: number('lr'),
    batchSize: number('batch-size'),
    numSteps: number('num-steps'),
    maxTokens: maxTokens > 0 ? maxTokens : undefined,
    validation: number('validation'),
    optimizer: value('optimizer') as OptimizerName,
    clip: clip > 0 ? clip : Infinity,
    lrDecay: rate < 1 ? { rate, after: number('decay-after') } : undefined,
  };
}

/** A message for the user when the run cannot work, else undefined. */
export function checkTraining(train: TrainChoice): string | undefined {
  if (train.optimizer === 'adam' && train.lr > ADAM_MAX_LR) {
    return `Adam needs a small learning rate (about 0.001 to 0.01); ${train.lr} would make it diverge. Lower it, or train with SGD.`;
  }
  return undefined;
}

export function generateChoice(): GenerateChoice {
  const topK = number('top-k');
  const topP = number('top-p');
  return {
    prefix: value('prefix'),
    length: number('length'),
    temperature: number('temperature'),
    topK: topK > 0 ? topK : undefined,
    topP: topP < 1 ? topP : undefined,
    seed: number('gen-seed'),
  };
}

export function checkGenerate(choice: GenerateChoice): string | undefined {
  const { length } = choice;
  if (!Number.isInteger(length) || length < 1 || length > MAX_LENGTH)
    return `Length must be a whole number from 1 to ${MAX_LENGTH.toLocaleString('en')}.`;
  return undefined;
}

/** Switching optimizer moves the learning rate to that optimizer's default when it still holds the other's. */
export function wireOptimizer(): void {
  const lr = $<HTMLInputElement>('lr');
  const note = $('lr-note');
  $<HTMLSelectElement>('optimizer').addEventListener('change', (e) => {
    const adam = (e.target as HTMLSelectElement).value === 'adam';
    const [from, to] = adam ? [SGD_LR, ADAM_LR] : [ADAM_LR, SGD_LR];
    if (Number(lr.value) === from) {
      lr.value = String(to);
      note.textContent = `Learning rate set to ${to}, ${adam ? "Adam's" : "SGD's (d2l)"} usual value.`;
    } else {
      note.textContent = '';
    }
  });
}
