/**
 * The browser bundle as published: self-contained (no node:* or Dawn import left for a page or its
 * bundler to resolve), small, loadable in Chromium without errors, and usable from a Web Worker with
 * the same numbers as on the page's main thread.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeChromium, openSession, type Session } from './chromium.js';
import { bookText, inPage, workerSource, type ScenarioInput, type ScenarioResult } from './scenario.js';
import { expectClose, fixturesDir, loadFixture } from '../helpers/fixtures.js';

const bundlePath = new URL('../../dist/browser/index.js', import.meta.url);
const bundle = readFileSync(bundlePath, 'utf8');

const interopPath = new URL('../../dist/browser/interop.js', import.meta.url);
const interop = readFileSync(interopPath, 'utf8');

describe('dist/browser/index.js', () => {
  it('imports nothing up front, and on demand only the book and the interop chunk: no node:*, no Dawn `webgpu`', () => {
    expect(bundle).not.toMatch(/\bfrom\s*['"]/);
    expect(bundle).not.toMatch(/\bimport\s*['"]/);
    const literal = bundle.match(/\bimport\s*\(\s*['"][^'"]*['"]/g) ?? [];
    expect(new Set(literal)).toEqual(new Set(["import('./datasets/timemachine.js'", "import('./interop.js'"]));
    // The other two take a variable and run only in Node: Dawn's import in device.ts, and the same import
    // inside the source text of the adapter probe's child process (probe.ts).
    expect(bundle.match(/\bimport\s*\(/g)).toHaveLength(literal.length + 2);
  });

  it('keeps the ONNX / TF.js code in interop.js, which takes everything it shares from index.js', () => {
    const statics = interop.match(/\bfrom\s*['"][^'"]*['"]/g) ?? [];
    expect(new Set(statics.map((s) => s.replace(/^from\s*/, '')))).toEqual(new Set(["'./index.js'"]));
    expect(interop).not.toMatch(/['"]node:/);
    expect(interop).toContain('linear_before_reset');
    expect(bundle).not.toContain('linear_before_reset');
    const gzipped = gzipSync(readFileSync(interopPath), { level: 9 }).length;
    console.log(`interop chunk: ${(interop.length / 1024).toFixed(1)} KiB, ${(gzipped / 1024).toFixed(1)} KiB gzipped`);
    expect(gzipped).toBeLessThanOrEqual(24 * 1024);
  });

  it('leaves the Time Machine in its own file, which imports nothing', () => {
    const book = readFileSync(new URL('../../dist/browser/datasets/timemachine.js', import.meta.url), 'utf8');
    expect(book).not.toMatch(/\bimport\b/);
    expect(bundle).not.toContain('timeMachineGzipBase64');
  });

  it('holds the WASM modules and the WGSL kernels, and is at most 150 KB gzipped', () => {
    expect(bundle).toContain('nn-relaxed');
    expect(bundle).toContain('@compute');
    const gzipped = gzipSync(readFileSync(bundlePath), { level: 9 }).length;
    console.log(
      `browser bundle: ${(bundle.length / 1024).toFixed(1)} KiB, ${(gzipped / 1024).toFixed(1)} KiB gzipped (JS + WASM + WGSL)`,
    );
    expect(gzipped).toBeLessThanOrEqual(150 * 1024);
  });
});

describeChromium()('the bundle in Chromium', () => {
  let s: Session;
  beforeAll(async () => {
    s = await openSession();
    await s.page.goto(s.url);
  });
  afterAll(async () => s?.close());

  it('loads without errors and exports the public API', async () => {
    const names: string[] = await s.page.evaluate(`import('/dist/browser/index.js').then((m) => Object.keys(m))`);
    for (const name of [
      'LanguageModel',
      'buildCorpus',
      'createModel',
      'decodeCheckpoint',
      'encodeCheckpoint',
      'probeWebGpu',
      'DeepRnnError',
    ]) {
      expect(names).toContain(name);
    }
    expect(s.errors).toEqual([]);
  });

  it('Node-only helpers fail with a clear message, not a network request', async () => {
    const error: { code: string; message: string } = await s.page.evaluate(
      `import('/dist/browser/index.js').then((m) => m.loadCheckpoint('model.safetensors')).then(() => ({}), (e) => ({ code: e.code, message: e.message }))`,
    );
    expect(error.code).toBe('E_IO');
    expect(error.message).toContain('node:fs/promises is only available in Node');
  });

  it('reads a torch.onnx export and writes ONNX, fetching interop.js only then', async () => {
    const f = loadFixture('onnx_torch_lstm');
    const base64 = readFileSync(`${fixturesDir}onnx_torch_lstm.onnx`).toString('base64');
    const before: string[] = await s.page.evaluate(`performance.getEntriesByType('resource').map((e) => e.name)`);
    expect(before.some((n) => n.endsWith('/dist/browser/interop.js'))).toBe(false);
    const result = (await s.page.evaluate(`(async () => {
      const m = await import('/dist/browser/index.js');
      const bytes = Uint8Array.from(atob(${JSON.stringify(base64)}), (c) => c.charCodeAt(0));
      const x = { shape: [${f.meta.batch}, ${f.meta.steps}], data: Int32Array.from(${JSON.stringify(f.ids.flat())}) };
      const state = () => ({ h: Float32Array.from(${JSON.stringify(f.state0.h.data)}), c: Float32Array.from(${JSON.stringify(f.state0.c.data)}) });
      const lm = await m.LanguageModel.load(bytes, { backend: 'wasm' });
      const a = await lm.model.forward(x, state());
      const again = await m.LanguageModel.load(await lm.toOnnx(), { backend: 'wasm' });
      const b = await again.model.forward(x, state());
      lm.dispose();
      again.dispose();
      return { logits: [...a.logits], roundTrip: b.logits.every((v, i) => v === a.logits[i]), vocab: lm.vocab.tokens };
    })()`)) as { logits: number[]; roundTrip: boolean; vocab: string[] };
    expectClose(result.logits, f.logits.data, 'torch.onnx LSTM in Chromium', 1e-5, 0);
    expect(result.roundTrip).toBe(true);
    expect(result.vocab).toEqual(f.vocab);
    const after: string[] = await s.page.evaluate(`performance.getEntriesByType('resource').map((e) => e.name)`);
    expect(after.filter((n) => n.endsWith('/dist/browser/interop.js'))).toHaveLength(1);
    expect(s.errors).toEqual([]);
  });

  it('trains in a Web Worker with the same numbers as on the main thread', async () => {
    const input: ScenarioInput = {
      text: bookText(2000),
      cell: 'gru',
      layers: 2,
      hidden: 16,
      backend: 'wasm',
      wasmBuild: 'nn',
      epochs: 2,
      lr: 1,
      seed: 3,
    };
    const onPage = (await s.page.evaluate(inPage(input))) as ScenarioResult;
    const inWorker = (await s.page.evaluate(
      `new Promise((resolve) => {
        const source = ${JSON.stringify(workerSource(new URL('/dist/browser/index.js', s.url).href))};
        const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })), { type: 'module' });
        worker.onmessage = (e) => { worker.terminate(); resolve(e.data); };
        worker.onerror = (e) => resolve({ error: e.message });
        worker.postMessage(${JSON.stringify(input)});
      })`,
    )) as { ok?: ScenarioResult; error?: string };
    expect(inWorker.error).toBeUndefined();
    expect(inWorker.ok).toEqual(onPage);
    expect(onPage.perplexities[1]).toBeLessThan(onPage.perplexities[0]);
    expect(s.errors).toEqual([]);
  });
});
