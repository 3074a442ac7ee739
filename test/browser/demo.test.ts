/**
 * The demo page in Chromium, driven as a user would: it loads without errors and fits a phone; training
 * in its Worker lowers perplexity on WASM and on WebGPU; generation streams; stop works; a checkpoint
 * saved by the page decodes in Node, and one saved by the CLI loads in the page and generates the
 * CLI's text for the same seed. A screenshot after training goes to test-results/.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decodeCheckpoint } from '../../dist/node/index.js';
import { describeChromium, openSession, type Session } from './chromium.js';
import { bookText } from './scenario.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const results = join(root, 'test-results');
const work = mkdtempSync(join(tmpdir(), 'deeprnn-demo-'));

async function fill(page: Page, values: Record<string, string | number>): Promise<void> {
  for (const [id, v] of Object.entries(values)) {
    const el = page.locator(`#${id}`);
    if ((await el.evaluate((e) => e.tagName)) === 'SELECT') await el.selectOption(String(v));
    else await el.fill(String(v));
  }
}

/** Waits until the page is idle again and returns its status line. */
async function idle(page: Page, timeout = 60_000): Promise<string> {
  await page.waitForFunction(() => document.body.dataset.busy === '', undefined, { timeout });
  return (await page.locator('#status').textContent()) ?? '';
}

const history = async (page: Page): Promise<number[]> => JSON.parse((await page.locator('#chart').getAttribute('data-history')) ?? '[]');

const small = { cell: 'gru', layers: 2, hidden: 32, 'batch-size': 8, 'num-steps': 16, lr: 1, 'max-tokens': 3000, seed: 2 };

describeChromium()('the demo page', () => {
  let s: Session;
  beforeAll(async () => {
    s = await openSession({ width: 390, height: 844 }); // a phone
    await s.page.goto(s.url);
    await s.page.waitForFunction(() => document.body.dataset.busy === '');
  });
  afterAll(async () => {
    await s?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('loads with no console errors, labels every control and fits a phone-sized viewport', async () => {
    const report = await s.page.evaluate(() => ({
      unlabeled: Array.from(document.querySelectorAll('input, select')).filter((e) => (e as HTMLInputElement).labels?.length === 0).map((e) => e.id),
      unnamed: Array.from(document.querySelectorAll('button')).filter((b) => !b.textContent?.trim()).length,
      overflow: document.documentElement.scrollWidth - window.innerWidth,
      // A text or number field squeezed by its grid is unusable on a phone even when nothing overflows.
      squeezed: Array.from(document.querySelectorAll('input[type=number], input[type=text], select')).filter((e) => (e as HTMLElement).offsetWidth < 96).map((e) => e.id),
    }));
    expect(report).toEqual({ unlabeled: [], unnamed: 0, overflow: 0, squeezed: [] });
    // Keyboard: tabbing from the start reaches the first form control.
    await s.page.keyboard.press('Tab');
    expect(await s.page.evaluate(() => document.activeElement?.id)).toBe('data-file');
    expect(s.errors).toEqual([]);
  });

  it('trains on WASM in the worker, lowering perplexity, with tokens/s and the backend shown', async () => {
    await fill(s.page, { ...small, backend: 'wasm', epochs: 4 });
    await s.page.click('#train');
    expect(await idle(s.page)).toBe('Training done.');
    const ppl = await history(s.page);
    expect(ppl).toHaveLength(4);
    expect(ppl[3]).toBeLessThan(ppl[0]);
    expect(await s.page.locator('#backend-used').getAttribute('data-backend')).toBe('wasm');
    expect(await s.page.locator('#backend-used').textContent()).toBe('WebAssembly');
    expect(Number((await s.page.locator('#speed').textContent())?.replace(/,/g, ''))).toBeGreaterThan(0);
    expect(await s.page.locator('#chart svg polyline, #chart svg path').count()).toBeGreaterThan(0);
    mkdirSync(results, { recursive: true });
    await s.page.screenshot({ path: join(results, 'demo-after-training.png'), fullPage: true });
    expect(s.errors).toEqual([]);
  });

  it('streams generated text into the page token by token', async () => {
    await fill(s.page, { prefix: 'time traveller', length: 120, temperature: 0.8, 'top-k': 5, 'gen-seed': 1 });
    await s.page.evaluate(() => {
      const seen: number[] = [];
      (window as unknown as { seen: number[] }).seen = seen;
      new MutationObserver(() => seen.push(document.getElementById('output')!.textContent!.length))
        .observe(document.getElementById('output')!, { childList: true, characterData: true, subtree: true });
    });
    await s.page.click('#generate');
    expect(await idle(s.page)).toBe('Done.');
    const text = (await s.page.locator('#output').textContent()) ?? '';
    expect(text.startsWith('time traveller')).toBe(true);
    expect(text).toHaveLength('time traveller'.length + 120);
    const seen: number[] = await s.page.evaluate(() => (window as unknown as { seen: number[] }).seen);
    expect(new Set(seen).size).toBeGreaterThan(60); // many intermediate states, not one final write
  });

  it('saves a .safetensors download that decodes in Node with the trained configuration', async () => {
    const [download] = await Promise.all([s.page.waitForEvent('download'), s.page.click('#save')]);
    expect(download.suggestedFilename()).toMatch(/\.safetensors$/);
    const path = join(work, 'page.safetensors');
    await download.saveAs(path);
    const ckpt = decodeCheckpoint(readFileSync(path));
    expect(ckpt.config).toMatchObject({ cell: 'gru', layers: 2, hidden: 32 });
    expect(ckpt.params['rnn.weight_hh_l1'].shape).toEqual([96, 32]);
  });

  it('trains on WebGPU (SwiftShader) on a text file the user picked, lowering perplexity', async () => {
    await s.page.setInputFiles('#data-file', { name: 'mine.txt', mimeType: 'text/plain', buffer: Buffer.from(bookText(4000)) });
    await s.page.waitForFunction(() => document.getElementById('data-status')!.textContent!.startsWith('mine.txt'));
    await fill(s.page, { ...small, backend: 'webgpu', epochs: 3 });
    await s.page.click('#train');
    expect(await idle(s.page, 80_000)).toBe('Training done.');
    expect(await s.page.locator('#backend-used').getAttribute('data-backend')).toBe('webgpu');
    const ppl = await history(s.page);
    expect(ppl).toHaveLength(3);
    expect(ppl[2]).toBeLessThan(ppl[0]);
    expect(s.errors).toEqual([]);
  }, 90_000);

  it('refuses bad settings: the form blocks out-of-range fields, the library reports the rest with a code', async () => {
    await fill(s.page, { ...small, hidden: 0, epochs: 1 });
    await s.page.click('#train');
    expect(await s.page.locator('#hidden').evaluate((e) => (e as HTMLInputElement).validity.valid)).toBe(false);
    expect(await s.page.evaluate(() => document.body.dataset.busy)).toBe('');
    await fill(s.page, { ...small, 'batch-size': 5000, epochs: 1 }); // more than the 3000 tokens hold
    await s.page.click('#train');
    expect(await idle(s.page)).toMatch(/^Error \[E_CORPUS_TOO_SMALL\]/);
    expect(await s.page.locator('#train').isEnabled()).toBe(true);
  });

  it('stops training when asked, keeping the finished epochs', async () => {
    await fill(s.page, { ...small, backend: 'wasm', epochs: 10_000 });
    await s.page.click('#train');
    await s.page.waitForFunction(() => JSON.parse(document.getElementById('chart')!.dataset.history ?? '[]').length >= 2);
    await s.page.click('#stop');
    expect(await idle(s.page)).toMatch(/^Stopped/);
    expect((await history(s.page)).length).toBeLessThan(10_000);
    expect(await s.page.locator('#generate').isEnabled()).toBe(true);
  });

  it('loads a checkpoint saved by the CLI and generates the same text as the CLI for the same seed', async () => {
    const data = join(work, 'book.txt');
    writeFileSync(data, bookText(3000));
    const model = join(work, 'cli.safetensors');
    const cli = (...args: string[]) => promisify(execFile)('node', [join(root, 'dist/node/cli.js'), ...args], { cwd: work });
    await cli('train', '--data', data, '--cell', 'lstm', '--layers', '2', '--hidden', '24', '--epochs', '3', '--batch-size', '4', '--num-steps', '16', '--lr', '2', '--backend', 'wasm', '--out', model, '--json');
    const generated = JSON.parse((await cli('generate', '--model', model, '--prefix', 'the time', '--length', '100', '--temperature', '0.7', '--top-k', '4', '--seed', '9', '--backend', 'wasm', '--json')).stdout);

    await fill(s.page, { backend: 'wasm' });
    await s.page.setInputFiles('#load-file', model);
    expect(await idle(s.page)).toMatch(/^Loaded LSTM, 2 × 24/);
    await fill(s.page, { prefix: 'the time', length: 100, temperature: 0.7, 'top-k': 4, 'gen-seed': 9 });
    await s.page.click('#generate');
    expect(await idle(s.page)).toBe('Done.');
    expect(await s.page.locator('#output').textContent()).toBe(`the time${generated.text}`);
    expect(s.errors).toEqual([]);
  });
});
