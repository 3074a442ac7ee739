/**
 * WASM threads in Chromium. The demo server sends COOP/COEP, so its pages are cross-origin isolated:
 * threads 'auto' is every core, on the page's main thread (which may not block, so it polls) and in a
 * Web Worker (which sleeps), with the same bits as one thread there and in Node. Served without those
 * headers, a page has no SharedArrayBuffer: 'auto' trains on 1 thread with a one-time notice saying why,
 * an explicit thread count is E_BAD_OPTION, and the demo shows the notice in its model summary.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeChromium, openSession, type Session } from './chromium.js';
import { bookText, inPage, scenario, workerSource, type ScenarioInput, type ScenarioResult } from './scenario.js';

const input: ScenarioInput = {
  text: bookText(2500),
  cell: 'lstm',
  layers: 2,
  hidden: 48,
  backend: 'wasm',
  wasmBuild: 'nn',
  epochs: 2,
  lr: 1,
  seed: 4,
};

function inWorker(page: Page, url: string, run: ScenarioInput): Promise<{ ok?: ScenarioResult; error?: string }> {
  return page.evaluate(
    `new Promise((resolve) => {
      const source = ${JSON.stringify(workerSource(new URL('/dist/browser/index.js', url).href))};
      const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })), { type: 'module' });
      worker.onmessage = (e) => { worker.terminate(); resolve(e.data); };
      worker.onerror = (e) => resolve({ error: e.message });
      worker.postMessage(${JSON.stringify(run)});
    })`,
  );
}

describeChromium()('WASM threads in Chromium', () => {
  let isolated: Session;
  let plain: Session;
  let node: ScenarioResult;
  const warnings: string[] = [];
  beforeAll(async () => {
    isolated = await openSession();
    await isolated.page.goto(isolated.url);
    plain = await openSession(undefined, { isolated: false });
    plain.page.on('console', (m) => {
      if (m.type() === 'warning') warnings.push(m.text());
    });
    await plain.page.goto(plain.url);
    node = await scenario(await import(new URL('../../dist/node/index.js', import.meta.url).href), input);
  });
  afterAll(async () => {
    await isolated?.close();
    await plain?.close();
  });

  it('a cross-origin isolated page trains on every core, on its main thread and in a worker, with the bits of 1 thread and of Node', async () => {
    const cores: number = await isolated.page.evaluate('crossOriginIsolated ? navigator.hardwareConcurrency : 0');
    expect(cores).toBeGreaterThan(0);
    const onPage = (await isolated.page.evaluate(inPage({ ...input, threads: 'auto' }))) as ScenarioResult;
    expect(onPage.threads).toBe(Math.min(cores, 64));
    const threeInWorker = await inWorker(isolated.page, isolated.url, { ...input, threads: 3 });
    expect(threeInWorker.error).toBeUndefined();
    expect(threeInWorker.ok!.threads).toBe(3);
    const same = (r: ScenarioResult) => ({ ...r, threads: 1 });
    expect(same(onPage)).toEqual(node);
    expect(same(threeInWorker.ok!)).toEqual(node);
    expect(node.perplexities[1]).toBeLessThan(node.perplexities[0]);
    expect(isolated.errors).toEqual([]);
  });

  it('a page that is not cross-origin isolated trains on 1 thread with a notice; an explicit count is E_BAD_OPTION', async () => {
    expect(await plain.page.evaluate('crossOriginIsolated')).toBe(false);
    const auto = (await plain.page.evaluate(inPage({ ...input, threads: 'auto' }))) as ScenarioResult;
    expect(auto).toEqual(node);
    await plain.page.evaluate(inPage({ ...input, epochs: 1, threads: 'auto' }));
    const notices = warnings.filter((w) => w.includes('not cross-origin isolated'));
    expect(notices).toHaveLength(1); // once per page
    expect(notices[0]).toContain('Cross-Origin-Opener-Policy: same-origin');
    const refused: { code: string; message: string } = await plain.page.evaluate(
      `import('/dist/browser/index.js').then((lib) => lib.createWasmModel({ cell: 'gru', layers: 1, hidden: 4, vocabSize: 5 }, { threads: 2 }))
        .then(() => ({}), (e) => ({ code: e.code, message: e.message }))`,
    );
    expect(refused.code).toBe('E_BAD_OPTION');
    expect(refused.message).toMatch(/^threads: 2 is not possible here: this page is not cross-origin isolated/);
    expect(plain.errors).toEqual([]);
  });

  it('the demo served without isolation trains on 1 thread and says why in its summary', async () => {
    const p = plain.page;
    for (const [id, v] of Object.entries({ hidden: 16, layers: 1, epochs: 1, 'max-tokens': 2000, backend: 'wasm' })) {
      const el = p.locator(`#${id}`);
      if ((await el.evaluate((e) => e.tagName)) === 'SELECT') await el.selectOption(String(v));
      else await el.fill(String(v));
    }
    expect(await p.locator('#threads').inputValue()).toBe('auto');
    await p.click('#train');
    await p.waitForFunction(() => document.body.dataset.busy === '', undefined, { timeout: 60_000 });
    expect(await p.locator('#status').textContent()).toBe('Training done.');
    expect(await p.locator('#sum-threads').textContent()).toBe('1 thread');
    expect(await p.locator('#threads-note').isVisible()).toBe(true);
    expect(await p.locator('#threads-note').textContent()).toMatch(
      /not cross-origin isolated.*Cross-Origin-Embedder-Policy: require-corp/,
    );
    expect(plain.errors).toEqual([]);
  });
});
