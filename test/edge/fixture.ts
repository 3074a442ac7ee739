/**
 * The checkpoint the edge tests share: a 2-layer LSTM (hidden 48) trained for one epoch on the start of
 * The Time Machine, so that its text is a real model's; made once per file in a temporary folder.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LanguageModel } from '../../src/lm/language-model.js';
import { buildCorpus } from '../../src/text/index.js';
import { timeMachineText } from '../helpers/data.js';

export interface Fixture {
  dir: string;
  /** dir/model.safetensors */
  checkpoint: string;
  bytes: Uint8Array;
  remove(): void;
}

export async function makeCheckpoint(): Promise<Fixture> {
  const corpus = await buildCorpus(timeMachineText(), { maxTokens: 4000 });
  const lm = await LanguageModel.create(corpus.vocab, {
    cell: 'lstm',
    layers: 2,
    hidden: 48,
    seed: 3,
    backend: 'wasm',
  });
  await lm.train(corpus.tokens, { epochs: 1, batchSize: 8, numSteps: 16, lr: 2 });
  const bytes = await lm.toBytes();
  lm.dispose();
  const dir = mkdtempSync(join(tmpdir(), 'deeprnn-edge-'));
  const checkpoint = join(dir, 'model.safetensors');
  writeFileSync(checkpoint, bytes);
  return { dir, checkpoint, bytes, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
