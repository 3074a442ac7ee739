/**
 * What loading and generating with d2l's model (LSTM 2 x 256, vocab 28, a 3.3 MB checkpoint) costs in
 * memory, each in a fresh Node process (test/edge/memory.mjs): deeprnn/generate stays far inside a
 * Worker's 128 MB, and below the full package, which also keeps gradients, optimizer moments and the
 * copies of the weights backward reads.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LanguageModel } from '../../src/lm/language-model.js';
import { buildCorpus } from '../../src/text/index.js';
import { timeMachineText } from '../helpers/data.js';
import { runScript } from './runtimes.js';

const MB = 2 ** 20;
let dir: string;
let checkpoint: string;
beforeAll(async () => {
  const corpus = await buildCorpus(timeMachineText(), { maxTokens: 1000 });
  expect(corpus.vocab.size).toBe(28);
  const lm = await LanguageModel.create(corpus.vocab, { cell: 'lstm', layers: 2, hidden: 256, backend: 'wasm' });
  dir = mkdtempSync(join(tmpdir(), 'deeprnn-memory-'));
  checkpoint = join(dir, 'd2l.safetensors');
  writeFileSync(checkpoint, await lm.toBytes());
  lm.dispose();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('loading + generating with the d2l model: deeprnn/generate peaks under 40 MB, below the full package', async () => {
  const measure = async (which: string) =>
    JSON.parse(await runScript('node', 'test/edge/memory.mjs', [checkpoint, which]));
  const generate = await measure('generate');
  const full = await measure('full');
  for (const r of [generate, full]) {
    console.log(
      `${r.which}: heap + external ${(r.before / MB).toFixed(1)} MB after import, peak ${(r.peak / MB).toFixed(1)} MB; peak RSS ${(r.maxRSS / MB).toFixed(0)} MB`,
    );
    expect(r.chars).toBe(1000);
  }
  expect(generate.peak).toBeLessThan(40 * MB);
  expect(generate.peak).toBeLessThan(full.peak);
});
