/**
 * The demo page in Chromium, driven as a user would: it loads without errors and fits a phone; training
 * in its Worker lowers perplexity on WASM and on WebGPU, with validation charted, live samples, progress
 * bars and a model summary; generation streams with its prefix marked and can be copied; every control
 * reaches the worker; errors show as alerts; the text in use can go back to the book and binary files
 * are flagged; a checkpoint saved by the page decodes in Node, and one saved by the CLI loads in the page
 * (resetting its panels) and generates the CLI's text for the same seed. Screenshots after training, at
 * phone and desktop sizes, go to test-results/.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Vocab, decodeCheckpoint, loadTextCore } from '../../dist/node/index.js';
import { describeChromium, openSession, type Session } from './chromium.js';
import { bookText } from './scenario.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const results = join(root, 'test-results');
const work = mkdtempSync(join(tmpdir(), 'deeprnn-demo-'));
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

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

const series = async (page: Page, name: 'history' | 'validation' | 'lr'): Promise<number[]> =>
  JSON.parse((await page.locator('#chart').getAttribute(`data-${name}`)) ?? '[]');
const history = (page: Page) => series(page, 'history');
const text = async (page: Page, selector: string): Promise<string> =>
  (await page.locator(selector).textContent()) ?? '';
const samples = (page: Page) => page.locator('#samples li').allTextContents();

/** d2l's RNNModel: per layer W_ih (G·H × input), W_hh (G·H × H) and two biases, then the linear head. */
function parameterCount(cell: 'rnn' | 'gru' | 'lstm', layers: number, hidden: number, vocab: number): number {
  const g = { rnn: 1, gru: 3, lstm: 4 }[cell] * hidden;
  let n = 0;
  for (let l = 0; l < layers; l++) n += g * (l === 0 ? vocab : hidden) + g * hidden + 2 * g;
  return n + vocab * hidden + vocab;
}

/** The chart is drawn at the width it is shown, so the SVG's 12 px labels are 12 px on screen. */
async function chartScale(page: Page): Promise<number> {
  await page.waitForFunction(() => {
    const svg = document.querySelector('#chart svg');
    return (
      svg !== null && Number(svg.getAttribute('width')) === Math.floor(document.getElementById('chart')!.clientWidth)
    );
  });
  return page
    .locator('#chart svg')
    .evaluate((svg) => svg.getBoundingClientRect().width / Number(svg.getAttribute('width')));
}

const small = {
  cell: 'gru',
  layers: 2,
  hidden: 32,
  'batch-size': 8,
  'num-steps': 16,
  lr: 1,
  'max-tokens': 3000,
  seed: 2,
  validation: 0.1,
  optimizer: 'sgd',
  dropout: 0,
  clip: 1,
  'decay-rate': 1,
};

describeChromium()('the demo page', () => {
  let s: Session;
  beforeAll(async () => {
    s = await openSession(PHONE);
    await s.page.goto(s.url);
    await s.page.waitForFunction(() => document.body.dataset.busy === '');
  });
  afterAll(async () => {
    await s?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('loads with no console errors, labels every control, fits a phone and shows empty panels, not invented data', async () => {
    const report = await s.page.evaluate(() => ({
      unlabeled: Array.from(document.querySelectorAll('input, select, progress'))
        .filter((e) => (e as HTMLInputElement).labels?.length === 0)
        .map((e) => e.id),
      unnamed: Array.from(document.querySelectorAll('button')).filter((b) => !b.textContent?.trim()).length,
      overflow: document.documentElement.scrollWidth - window.innerWidth,
      // A text or number field squeezed by its grid is unusable on a phone even when nothing overflows.
      squeezed: Array.from(document.querySelectorAll('input[type=number], input[type=text], select'))
        .filter((e) => (e as HTMLElement).offsetWidth < 96)
        .map((e) => e.id),
    }));
    expect(report).toEqual({ unlabeled: [], unnamed: 0, overflow: 0, squeezed: [] });
    // Keyboard: tabbing from the start reaches the first form control.
    await s.page.keyboard.press('Tab');
    expect(await s.page.evaluate(() => document.activeElement?.id)).toBe('data-file');
    expect(await s.page.locator('#chart svg').count()).toBe(0);
    expect(await text(s.page, '#chart')).toMatch(/no training yet/i);
    expect(await text(s.page, '#model-name')).toMatch(/^No model yet/);
    await s.page.waitForFunction(() => /characters/.test(document.getElementById('data-status')!.textContent!));
    expect(await text(s.page, '#data-status')).toMatch(/^The Time Machine .*: 178,\d{3} characters\.$/);
    expect(await s.page.locator('#error').isVisible()).toBe(false);
    expect(s.errors).toEqual([]);
  });

  it('trains on WASM in the worker: perplexity falls, validation is charted, samples appear while it trains, the model is summarized', async () => {
    await fill(s.page, { ...small, backend: 'wasm', epochs: 4 });
    // Which state the page was in when each sample line arrived: they must come during training, not after.
    await s.page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { sampleStates: string[] }).sampleStates = seen;
      new MutationObserver((records) => {
        for (const r of records)
          for (let i = 0; i < r.addedNodes.length; i++) seen.push(document.body.dataset.busy ?? '');
      }).observe(document.getElementById('samples')!, { childList: true });
    });
    await s.page.click('#train');
    expect(await idle(s.page)).toBe('Training done.');
    const ppl = await history(s.page);
    expect(ppl).toHaveLength(4);
    expect(ppl[3]).toBeLessThan(ppl[0]);
    const val = await series(s.page, 'validation');
    expect(val).toHaveLength(4);
    expect(val.every((v) => v > 1 && Number.isFinite(v))).toBe(true);
    expect(await text(s.page, '#val-perplexity')).toBe(val[3].toFixed(2));
    // Two series (training and validation) with a title and axis labels, at the size it is shown.
    expect(await s.page.locator('#chart svg polyline').count()).toBe(2);
    const svg = await s.page.locator('#chart').innerHTML();
    expect(svg).toContain('Perplexity per epoch');
    expect(svg).toContain('>validation<');
    expect(svg).toContain('>epoch<');
    expect(await chartScale(s.page)).toBeCloseTo(1, 2);

    const lines = await samples(s.page);
    expect(lines).toHaveLength(4);
    expect(await s.page.evaluate(() => (window as unknown as { sampleStates: string[] }).sampleStates)).toEqual([
      'training',
      'training',
      'training',
      'training',
    ]);
    expect(await s.page.locator('#samples li').first().locator('mark.prefix').textContent()).toBe('the time machine');
    expect(lines[3]).toMatch(/^epoch 4 · ppl [\d.]+the time machine[a-z ]{60}$/);

    expect(await s.page.locator('#run-progress').evaluate((e) => (e as HTMLProgressElement).value)).toBe(1);
    expect(await s.page.locator('#epoch-progress').evaluate((e) => (e as HTMLProgressElement).value)).toBe(1);
    expect(await s.page.locator('#backend-used').getAttribute('data-backend')).toBe('wasm');
    expect(await text(s.page, '#backend-used')).toBe('WebAssembly');
    // The demo server sends COOP/COEP: threads 'auto' takes every core.
    const cores: number = await s.page.evaluate('navigator.hardwareConcurrency');
    expect(await text(s.page, '#sum-threads')).toBe(cores === 1 ? '1 thread' : `${cores} threads`);
    expect(await s.page.locator('#threads-note').isVisible()).toBe(false);
    expect(await text(s.page, '#model-name')).toBe('Trained here on The Time Machine');
    expect(await text(s.page, '#sum-model')).toBe('GRU, 2 layers × 32 hidden');
    const vocab = Number((await text(s.page, '#sum-vocab')).split(' ')[0]);
    expect(vocab).toBe(28);
    expect(Number(await s.page.locator('#sum-params').getAttribute('data-params'))).toBe(
      parameterCount('gru', 2, 32, vocab),
    );
    expect(await text(s.page, '#sum-params')).toBe(parameterCount('gru', 2, 32, vocab).toLocaleString('en'));
    expect(await text(s.page, '#sum-data')).toBe('2,700 training tokens, 300 held out');
    expect(await text(s.page, '#sum-training')).toBe('SGD, lr 1, clip 1, no lr decay');
    expect(Number((await text(s.page, '#speed')).replace(/,/g, ''))).toBeGreaterThan(0);
    expect(s.errors).toEqual([]);
  });

  it('streams generated text into the page, the prefix marked apart from the continuation', async () => {
    await fill(s.page, {
      prefix: 'time traveller',
      length: 120,
      temperature: 0.8,
      'top-k': 5,
      'top-p': 1,
      'gen-seed': 1,
    });
    await s.page.evaluate(() => {
      const seen: number[] = [];
      (window as unknown as { seen: number[] }).seen = seen;
      new MutationObserver(() => seen.push(document.getElementById('output')!.textContent!.length)).observe(
        document.getElementById('output')!,
        { childList: true, characterData: true, subtree: true },
      );
    });
    await s.page.click('#generate');
    expect(await idle(s.page)).toBe('Done.');
    const out = await text(s.page, '#output');
    expect(out.startsWith('time traveller')).toBe(true);
    expect(out).toHaveLength('time traveller'.length + 120);
    const seen: number[] = await s.page.evaluate(() => (window as unknown as { seen: number[] }).seen);
    expect(seen.length).toBeGreaterThan(0);
    expect(await s.page.locator('#output mark.prefix').textContent()).toBe('time traveller');
    expect(await s.page.locator('#output mark').count()).toBe(1);
    expect(s.errors).toEqual([]);
  });

  it('after training, fits a phone with no horizontal scroll and a desktop, each with the chart at its shown size (screenshots)', async () => {
    mkdirSync(results, { recursive: true });
    expect(await s.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    expect(await chartScale(s.page)).toBeCloseTo(1, 2);
    await s.page.screenshot({ path: join(results, 'demo-phone.png'), fullPage: true });
    await s.page.setViewportSize(DESKTOP);
    expect(await chartScale(s.page)).toBeCloseTo(1, 2);
    const wide = await s.page.locator('#chart svg').getAttribute('width');
    expect(Number(wide)).toBeGreaterThan(600);
    expect(await s.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await s.page.screenshot({ path: join(results, 'demo-desktop.png'), fullPage: true });
    await s.page.setViewportSize(PHONE);
    expect(await chartScale(s.page)).toBeCloseTo(1, 2);
    expect(await s.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
  });

  it('copies the generated text, or selects it where the Clipboard API is unavailable', async () => {
    const out = await text(s.page, '#output');
    await s.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(s.url).origin });
    await s.page.click('#copy');
    await s.page.waitForFunction(() => document.getElementById('copy-status')!.textContent !== '');
    expect(await text(s.page, '#copy-status')).toBe(`Copied ${out.length} characters.`);
    expect(await s.page.evaluate(() => navigator.clipboard.readText())).toBe(out);
    // Without the Clipboard API (an insecure page) the text is selected instead, and the page says so.
    await s.page.evaluate(() =>
      Object.defineProperty(navigator, 'clipboard', { value: undefined, configurable: true }),
    );
    await s.page.click('#copy');
    await s.page.waitForFunction(() => /Ctrl\+C/.test(document.getElementById('copy-status')!.textContent!));
    expect(await s.page.evaluate(() => getSelection()?.toString())).toBe(out);
    expect(s.errors).toEqual([]);
  });

  it('top-p reaches the sampler: for a fixed seed it changes the text, and the same settings repeat it', async () => {
    const generate = async (topP: number): Promise<string> => {
      await fill(s.page, { prefix: 'the', length: 80, temperature: 1, 'top-k': 0, 'top-p': topP, 'gen-seed': 5 });
      await s.page.click('#generate');
      expect(await idle(s.page)).toBe('Done.');
      return text(s.page, '#output');
    };
    const full = await generate(1);
    const nucleus = await generate(0.3);
    expect(nucleus).not.toBe(full);
    expect(await generate(1)).toBe(full);
  });

  it('a long generation streams in chunks, Stop ends it, and Length is capped', async () => {
    await fill(s.page, { prefix: 'time traveller', length: 20_000, temperature: 0.8, 'top-k': 5, 'gen-seed': 2 });
    await s.page.click('#generate');
    await s.page.waitForFunction(() => document.getElementById('output')!.textContent!.length > 2000);
    const t0 = Date.now();
    await s.page.click('#stop-generate');
    expect(await idle(s.page)).toBe('Done.');
    expect(Date.now() - t0).toBeLessThan(5000);
    const stopped = (await text(s.page, '#output')).length;
    expect(stopped).toBeLessThan('time traveller'.length + 20_000);
    // Past the cap the form does not submit: the browser flags the field (max 20,000) and nothing starts.
    await fill(s.page, { length: 100_000 });
    await s.page.click('#generate');
    expect(await s.page.locator('#length').evaluate((e) => (e as HTMLInputElement).validity.rangeOverflow)).toBe(true);
    expect(await s.page.evaluate(() => document.body.dataset.busy)).toBe('');
    expect(await text(s.page, '#status')).toBe('Done.');
    await fill(s.page, { length: 200 });
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

  it('trains on WebGPU (SwiftShader) on a text file the user picked, lowering perplexity, the epoch bar moving', async () => {
    await s.page.setInputFiles('#data-file', {
      name: 'mine.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from(bookText(4000)),
    });
    await s.page.waitForFunction(() => document.getElementById('data-status')!.textContent!.startsWith('mine.txt'));
    expect(await text(s.page, '#data-status')).toMatch(/^mine\.txt: [\d,]+ characters\.$/);
    await fill(s.page, { ...small, backend: 'webgpu', epochs: 3 });
    await s.page.evaluate(() => {
      const seen: number[] = [];
      (window as unknown as { bar: number[] }).bar = seen;
      const bar = document.getElementById('epoch-progress') as HTMLProgressElement;
      new MutationObserver(() => seen.push(bar.value)).observe(bar, { attributes: true, attributeFilter: ['value'] });
    });
    await s.page.click('#train');
    expect(await idle(s.page, 80_000)).toBe('Training done.');
    expect(await s.page.locator('#backend-used').getAttribute('data-backend')).toBe('webgpu');
    expect(await text(s.page, '#model-name')).toBe('Trained here on mine.txt');
    const ppl = await history(s.page);
    expect(ppl).toHaveLength(3);
    expect(ppl[2]).toBeLessThan(ppl[0]);
    // Reported within epochs (at most every ~100 ms), not only at their ends.
    const bar: number[] = await s.page.evaluate(() => (window as unknown as { bar: number[] }).bar);
    expect(bar.some((v) => v > 0 && v < 1)).toBe(true);
    expect(bar[bar.length - 1]).toBe(1);
    expect(s.errors).toEqual([]);
  }, 90_000);

  it('goes back to The Time Machine when the file input is cleared or on its button, and flags binary files', async () => {
    const book = /^The Time Machine .*: 178,\d{3} characters\.$/;
    expect(await s.page.locator('#use-book').isEnabled()).toBe(true);
    await s.page.setInputFiles('#data-file', []);
    await s.page.waitForFunction(() =>
      document.getElementById('data-status')!.textContent!.startsWith('The Time Machine'),
    );
    expect(await text(s.page, '#data-status')).toMatch(book);
    expect(await s.page.locator('#use-book').isEnabled()).toBe(false);

    await s.page.setInputFiles('#data-file', {
      name: 'again.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from(bookText(500)),
    });
    await s.page.waitForFunction(() => document.getElementById('data-status')!.textContent!.startsWith('again.txt'));
    await s.page.click('#use-book');
    expect(await text(s.page, '#data-status')).toMatch(book);
    expect(await s.page.locator('#data-file').evaluate((e) => (e as HTMLInputElement).files?.length)).toBe(0);

    // Half control characters: used, with a warning that names the share.
    const mixed = Buffer.from(Array.from({ length: 2000 }, (_, i) => (i % 2 === 0 ? 0x01 : 0x61)));
    await s.page.setInputFiles('#data-file', {
      name: 'mixed.bin',
      mimeType: 'application/octet-stream',
      buffer: mixed,
    });
    await s.page.waitForFunction(() => document.getElementById('data-status')!.textContent!.startsWith('mixed.bin'));
    expect(await text(s.page, '#data-status')).toMatch(/Warning: it looks binary, not text: 50% of its characters/);
    expect(await s.page.locator('#data-status').getAttribute('class')).toContain('warning');
    // Nothing but control characters: refused as an error, the book stays in use.
    await s.page.setInputFiles('#data-file', {
      name: 'zeros.bin',
      mimeType: 'application/octet-stream',
      buffer: Buffer.alloc(1000),
    });
    await s.page.waitForFunction(() => !document.getElementById('error')!.hidden);
    expect(await s.page.locator('[role=alert]').textContent()).toMatch(/^Error: zeros\.bin holds no text/);
    await s.page.waitForFunction(() =>
      document.getElementById('data-status')!.textContent!.startsWith('The Time Machine'),
    );
    expect(await s.page.locator('#data-status').getAttribute('class')).not.toContain('warning');
    expect(await s.page.locator('#use-book').isEnabled()).toBe(false);
  });

  it('passes Adam, dropout, clipping and lr decay to the worker; a retrain clears the old text and samples', async () => {
    await s.page.click('#generate');
    await idle(s.page);
    expect(await text(s.page, '#output')).not.toBe('');
    await fill(s.page, { ...small, backend: 'wasm', epochs: 3, lr: 2 });
    await fill(s.page, { optimizer: 'adam' });
    expect(await s.page.locator('#lr').inputValue()).toBe('0.005');
    expect(await text(s.page, '#lr-note')).toMatch(/Learning rate set to 0\.005/);
    await fill(s.page, { lr: 0.01, dropout: 0.2, clip: 0.5, 'decay-rate': 0.5, 'decay-after': 1 });
    await s.page.click('#train');
    expect(await text(s.page, '#output')).toBe('');
    expect(await s.page.locator('#copy').isEnabled()).toBe(false);
    expect(await idle(s.page)).toBe('Training done.');
    expect(await text(s.page, '#model-name')).toBe('Trained here on The Time Machine');
    const ppl = await history(s.page);
    expect(ppl).toHaveLength(3);
    expect(ppl[2]).toBeLessThan(ppl[0]);
    // lr × 0.5 at the end of every epoch from the first on.
    expect(await series(s.page, 'lr')).toEqual([0.01, 0.005, 0.0025]);
    expect(await text(s.page, '#sum-dropout')).toBe('0.2');
    expect(await text(s.page, '#sum-training')).toBe('Adam, lr 0.01, clip 0.5, lr × 0.5 each epoch from epoch 1');
    expect(await samples(s.page)).toHaveLength(3); // this run's only
    await fill(s.page, { optimizer: 'sgd', lr: 1, dropout: 0, clip: 1, 'decay-rate': 1 });
    expect(s.errors).toEqual([]);
  });

  it("shows errors as alerts, apart from the status: the page's own checks, the browser's, and the library's codes", async () => {
    await fill(s.page, { ...small, hidden: 0, epochs: 1 });
    await s.page.click('#train');
    expect(await s.page.locator('#hidden').evaluate((e) => (e as HTMLInputElement).validity.valid)).toBe(false);
    expect(await s.page.evaluate(() => document.body.dataset.busy)).toBe('');

    await fill(s.page, { ...small, epochs: 1, optimizer: 'adam' });
    await fill(s.page, { lr: 2 }); // after the switch, which would have moved it to 0.005
    await s.page.click('#train');
    expect(await s.page.locator('[role=alert]').textContent()).toMatch(/^Error: Adam needs a small learning rate/);
    expect(await s.page.evaluate(() => document.body.dataset.busy)).toBe('');

    await fill(s.page, { ...small, 'batch-size': 5000, epochs: 1 }); // more than the 3000 tokens hold
    await s.page.click('#train');
    expect(await idle(s.page)).toBe('');
    const alert = s.page.locator('[role=alert]');
    expect(await alert.isVisible()).toBe(true);
    expect(await alert.textContent()).toMatch(/^Error \[E_CORPUS_TOO_SMALL\]/);
    expect(await alert.evaluate((e) => getComputedStyle(e).borderTopColor)).toBe('rgb(209, 36, 47)');
    expect(await s.page.locator('#status').getAttribute('role')).toBe('status');
    expect(await s.page.locator('#train').isEnabled()).toBe(true);
  });

  it('stops training when asked, keeping the finished epochs, and a new run clears the error', async () => {
    await fill(s.page, { ...small, backend: 'wasm', epochs: 10_000 });
    await s.page.click('#train');
    expect(await s.page.locator('#error').isVisible()).toBe(false);
    await s.page.waitForFunction(
      () => JSON.parse(document.getElementById('chart')!.dataset.history ?? '[]').length >= 2,
    );
    await s.page.click('#stop');
    expect(await idle(s.page)).toMatch(/^Stopped/);
    expect((await history(s.page)).length).toBeLessThan(10_000);
    expect(await s.page.locator('#generate').isEnabled()).toBe(true);
  });

  it("loads a checkpoint saved by the CLI: the panels reset, the model is named, and it generates the CLI's text for the same seed", async () => {
    const data = join(work, 'book.txt');
    writeFileSync(data, bookText(3000));
    const model = join(work, 'cli.safetensors');
    const cli = (...args: string[]) =>
      promisify(execFile)('node', [join(root, 'dist/node/cli.js'), ...args], { cwd: work });
    await cli(
      'train',
      '--data',
      data,
      '--cell',
      'lstm',
      '--layers',
      '2',
      '--hidden',
      '24',
      '--epochs',
      '3',
      '--batch-size',
      '4',
      '--num-steps',
      '16',
      '--lr',
      '2',
      '--backend',
      'wasm',
      '--out',
      model,
      '--json',
    );
    const generated = JSON.parse(
      (
        await cli(
          'generate',
          '--model',
          model,
          '--prefix',
          'the time',
          '--length',
          '100',
          '--temperature',
          '0.7',
          '--top-k',
          '4',
          '--seed',
          '9',
          '--backend',
          'wasm',
          '--json',
        )
      ).stdout,
    );

    await s.page.click('#generate'); // something in the output, to see it go
    await idle(s.page);
    expect((await history(s.page)).length).toBeGreaterThan(0);
    expect((await samples(s.page)).length).toBeGreaterThan(0);

    await fill(s.page, { backend: 'wasm' });
    await s.page.setInputFiles('#load-file', model);
    expect(await idle(s.page)).toMatch(/^Loaded LSTM, 2 × 24, vocabulary \d+ from cli\.safetensors\.$/);
    expect(await history(s.page)).toEqual([]);
    expect(await s.page.locator('#chart svg').count()).toBe(0);
    expect(await text(s.page, '#chart')).toContain('cli.safetensors is loaded');
    expect(await samples(s.page)).toEqual([]);
    expect(await text(s.page, '#output')).toBe('');
    for (const id of ['#epoch', '#perplexity', '#val-perplexity', '#speed']) expect(await text(s.page, id)).toBe('—');
    expect(await s.page.locator('#run-progress').evaluate((e) => (e as HTMLProgressElement).value)).toBe(0);
    expect(await text(s.page, '#model-name')).toBe('Loaded from cli.safetensors');
    expect(await text(s.page, '#sum-model')).toBe('LSTM, 2 layers × 24 hidden');
    const vocab = Number((await text(s.page, '#sum-vocab')).split(' ')[0]);
    expect(Number(await s.page.locator('#sum-params').getAttribute('data-params'))).toBe(
      parameterCount('lstm', 2, 24, vocab),
    );
    expect(await text(s.page, '#sum-training')).toMatch(/^3 epochs in the checkpoint's record, perplexity [\d.]+$/);

    await fill(s.page, { prefix: 'the time', length: 100, temperature: 0.7, 'top-k': 4, 'top-p': 1, 'gen-seed': 9 });
    await s.page.click('#generate');
    expect(await idle(s.page)).toBe('Done.');
    expect(await text(s.page, '#output')).toBe(`the time${generated.text}`);

    // the same model quantized by the CLI: the page computes from its int8 weights, as the CLI does
    const int8 = join(work, 'cli.int8.safetensors');
    await cli('quantize', '--model', model, '--to', 'int8', '--out', int8);
    const sampling = ['--prefix', 'the time', '--length', '100', '--temperature', '0.7', '--top-k', '4', '--seed', '9'];
    const generated8 = JSON.parse((await cli('generate', '--model', int8, ...sampling, '--json')).stdout);
    expect(generated8.text).not.toBe(generated.text);
    await s.page.setInputFiles('#load-file', int8);
    expect(await idle(s.page)).toMatch(/^Loaded LSTM, 2 × 24, vocabulary \d+ from cli\.int8\.safetensors\.$/);
    await fill(s.page, { prefix: 'the time', length: 100, temperature: 0.7, 'top-k': 4, 'top-p': 1, 'gen-seed': 9 });
    await s.page.click('#generate');
    expect(await idle(s.page)).toBe('Done.');
    expect(await text(s.page, '#output')).toBe(`the time${generated8.text}`);
    expect(s.errors).toEqual([]);
  });

  it('trains a word model as chosen (tokens, preprocessing, least count): the library’s vocabulary, kept in the checkpoint', async () => {
    const book = bookText(6000);
    await s.page.setInputFiles('#data-file', { name: 'words.txt', mimeType: 'text/plain', buffer: Buffer.from(book) });
    await s.page.waitForFunction(() => document.getElementById('data-status')!.textContent!.startsWith('words.txt'));
    await fill(s.page, {
      ...small,
      backend: 'wasm',
      epochs: 1,
      'max-tokens': 0,
      tokenize: 'word',
      preprocess: 'none',
      'min-freq': 2,
    });
    await s.page.click('#train');
    expect(await idle(s.page)).not.toMatch(/error/i);
    await loadTextCore();
    const expected = Vocab.fromText(book, { tokenize: 'word', preprocess: 'none', minFreq: 2 });
    expect(await text(s.page, '#sum-vocab')).toBe(`${expected.size.toLocaleString('en-US')} tokens`);
    const [download] = await Promise.all([s.page.waitForEvent('download'), s.page.click('#save')]);
    const path = join(work, 'words.safetensors');
    await download.saveAs(path);
    const ckpt = decodeCheckpoint(readFileSync(path));
    expect(ckpt.text).toMatchObject({ tokenize: 'word', preprocess: 'none' });
    expect(ckpt.vocab).toEqual([...expected.tokens]);
    expect(ckpt.vocab).toContain('Time'); // case kept
    await fill(s.page, { tokenize: 'char', preprocess: 'd2l', 'min-freq': 1 });
    expect(s.errors).toEqual([]);
  });
});
