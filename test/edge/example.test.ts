/**
 * examples/cloudflare-worker as it ships (worker.js and config.capnp copied verbatim into a scratch tree
 * beside a link to dist/) under workerd, with a d2l-sized model (LSTM 2 x 256, vocab 28): it streams the
 * text Node generates, answers bad queries with 400, and when a client goes away mid-stream the
 * response stream is cancelled, generation stops, and the Worker serves the next request unchanged.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LanguageModel } from '../../src/lm/language-model.js';
import { TextGenerator } from '../../src/lm/text-generator.js';
import { buildCorpus } from '../../src/text/index.js';
import { timeMachineText } from '../helpers/data.js';
import { ROOT, describeRuntime, startWorkerd, type Workerd } from './runtimes.js';

const EXAMPLE = join(ROOT, 'examples/cloudflare-worker');

describeRuntime('workerd')('examples/cloudflare-worker in workerd', () => {
  let scratch: string;
  let server: Workerd;
  let bytes: Uint8Array;
  beforeAll(async () => {
    const corpus = await buildCorpus(timeMachineText(), { maxTokens: 1000 });
    const lm = await LanguageModel.create(corpus.vocab, {
      cell: 'lstm',
      layers: 2,
      hidden: 256,
      seed: 9,
      backend: 'wasm',
    });
    bytes = await lm.toBytes();
    lm.dispose();
    scratch = mkdtempSync(join(tmpdir(), 'deeprnn-example-'));
    const dir = join(scratch, 'examples/cloudflare-worker');
    mkdirSync(dir, { recursive: true });
    for (const f of ['worker.js', 'config.capnp']) copyFileSync(join(EXAMPLE, f), join(dir, f));
    writeFileSync(join(dir, 'model.safetensors'), bytes);
    symlinkSync(join(ROOT, 'dist'), join(scratch, 'dist'));
    server = await startWorkerd('config.capnp', dir);
  });
  afterAll(async () => {
    await server?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  const status = async () => (await fetch(`${server.url}/status`)).json();

  it('streams the text that TextGenerator generates in Node, in chunks', async () => {
    const generator = await TextGenerator.load(bytes);
    const expected = await generator.generate('the time ', { length: 300, seed: 4, temperature: 0.7 });
    generator.dispose();
    const response = await fetch(`${server.url}/?prefix=the%20time%20&length=300&seed=4&temperature=0.7`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const chunks: string[] = [];
    const decoder = new TextDecoder();
    const reader = response.body!.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read())
      chunks.push(decoder.decode(r.value, { stream: true }));
    expect(chunks.join('')).toBe(expected);
    expect(chunks.length).toBeGreaterThan(1);
    expect(await status()).toMatchObject({ streams: 0 });
  });

  it('answers bad queries with 400 and the error code, unknown paths with 404', async () => {
    for (const query of ['length=-1', 'length=100000', 'temperature=-2', 'topP=0', 'seed=1.5']) {
      const response = await fetch(`${server.url}/?${query}`);
      expect(response.status, query).toBe(400);
      expect(await response.text(), query).toMatch(/^E_BAD_OPTION: /);
    }
    expect((await fetch(`${server.url}/elsewhere`)).status).toBe(404);
  });

  it('a client that goes away mid-stream cancels it: generation stops, and the next request is unchanged', async () => {
    const before = await status();
    const controller = new AbortController();
    const response = await fetch(`${server.url}/?length=5000&seed=1`, { signal: controller.signal });
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    controller.abort();
    await reader.read().catch(() => undefined);
    // The cancel reaches the Worker as the connection closes, and the stream stops counting as running
    // once its generator has ended: wait for both, at most 2 s.
    let now = await status();
    for (let i = 0; i < 100 && (now.cancelled === before.cancelled || now.streams > 0); i++) {
      await new Promise((r) => setTimeout(r, 20));
      now = await status();
    }
    expect(now).toEqual({ streams: 0, served: before.served + 1, cancelled: before.cancelled + 1 });
    expect(server.log()).not.toMatch(/error|uncaught/i); // nothing written to the cancelled stream

    const generator = await TextGenerator.load(bytes);
    const expected = await generator.generate('time traveller', { length: 100, seed: 2 });
    generator.dispose();
    expect(await (await fetch(`${server.url}/?length=100&seed=2`)).text()).toBe(expected);
  });
});
