/**
 * The same checkpoint and seed give the same text, bit for bit, on every runtime deeprnn targets: Node,
 * Deno and Bun (the package as each resolves it, and the browser build), Cloudflare's workerd (the
 * `workerd` build, loaded by a plain config and bundled by esbuild the way wrangler does) and Chromium
 * (the browser builds). Each runs test/edge/job.mjs: a seeded stream with its log-probabilities and a
 * held-out perplexity, through LanguageModel and through deeprnn/generate's TextGenerator.
 */
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeChromium, openSession } from '../browser/chromium.js';
import { makeCheckpoint, type Fixture } from './fixture.js';
import { job } from './job.mjs';
import { ROOT, describeRuntime, runScript, startWorkerd } from './runtimes.js';
import { packageModules, writeConfig } from './workerd-config.js';

type Job = Awaited<ReturnType<typeof job>>;
const SCRIPT = 'test/edge/generate.mjs';

let fixture: Fixture;
let node: { resolved: string[]; packaged: Job; browser: Job };
beforeAll(async () => {
  fixture = await makeCheckpoint();
  node = JSON.parse(await runScript('node', SCRIPT, [fixture.checkpoint]));
});
afterAll(() => fixture?.remove());

/** Equal to Node's result: toEqual compares numbers with Object.is, so every bit of every number. */
function expectNodes(result: Job): void {
  expect(result).toEqual(node.packaged);
}

describe('Node', () => {
  it('resolves the node build; LanguageModel, TextGenerator and the browser build agree', () => {
    expect(node.resolved).toEqual([`file://${ROOT}/dist/node/index.js`, `file://${ROOT}/dist/node/generate.js`]);
    const { full, generate } = node.packaged;
    expect(full.text).toHaveLength(80);
    expect(full.logProbs.every((p) => p <= 0)).toBe(true);
    expect(full.perplexity).toBeGreaterThan(1);
    expect(full.perplexity).toBeLessThan(28);
    expect(generate).toEqual(full);
    expect(node.packaged.abortedByTimer).toBe(true);
    expect(node.browser).toEqual(node.packaged);
  });
});

for (const runtime of ['deno', 'bun'] as const) {
  describeRuntime(runtime)(runtime, () => {
    it('gives Node’s text, log-probabilities and perplexity, packaged and browser builds', async () => {
      const r = JSON.parse(await runScript(runtime, SCRIPT, [fixture.checkpoint]));
      expect(r.resolved).toEqual(node.resolved); // both read the `node` export condition
      expectNodes(r.packaged);
      expectNodes(r.browser);
    });
  });
}

describeRuntime('workerd')('workerd', () => {
  const worker = [
    { name: 'worker.js', kind: 'esModule', file: join(ROOT, 'test/edge/worker.js') },
    { name: 'job.mjs', kind: 'esModule', file: join(ROOT, 'test/edge/job.mjs') },
  ] as const;
  const model = () => ({ name: 'model.safetensors', kind: 'data', file: fixture.checkpoint }) as const;

  async function serve(config: string): Promise<{ packaged: Job; book: number }> {
    const server = await startWorkerd(config, fixture.dir);
    try {
      const response = await fetch(server.url);
      const body = await response.text();
      expect(response.status, `${body}\n${server.log()}`).toBe(200);
      return JSON.parse(body);
    } finally {
      await server.stop();
    }
  }

  it('a plain config with the workerd build: Node’s results, and the book chunk loads', async () => {
    const config = writeConfig(fixture.dir, 'plain', [...worker, model(), ...packageModules()]);
    const r = await serve(config);
    expectNodes(r.packaged);
    expect(r.book).toBe(178_979);
  });

  it("bundled as wrangler does (esbuild, conditions workerd,worker,browser, .wasm kept as modules): Node's results", async () => {
    const out = join(fixture.dir, 'bundle');
    const bundled = await build({
      entryPoints: [join(ROOT, 'test/edge/worker.js')],
      bundle: true,
      format: 'esm',
      conditions: ['workerd', 'worker', 'browser'],
      loader: { '.wasm': 'copy' },
      external: ['./model.safetensors'],
      assetNames: '[name]',
      outdir: out,
      metafile: true,
      logLevel: 'silent',
    });
    expect(bundled.warnings).toEqual([]);
    const inputs = Object.keys(bundled.metafile.inputs);
    expect(inputs).toContain('dist/workerd/index.js'); // 'deeprnn' resolved through the workerd condition
    expect(inputs).toContain('dist/workerd/generate.js');
    const wasm = Object.keys(bundled.metafile.outputs)
      .filter((f) => f.endsWith('.wasm'))
      .map((f) => f.slice(f.lastIndexOf('/') + 1))
      .sort();
    expect(wasm).toEqual(['nn-forward.wasm', 'nn.wasm', 'text.wasm']);
    const config = writeConfig(fixture.dir, 'bundled', [
      { name: 'worker.js', kind: 'esModule', file: join(out, 'worker.js') },
      ...wasm.map((f) => ({ name: f, kind: 'wasm' as const, file: join(out, f) })),
      model(),
    ]);
    const r = await serve(config);
    expectNodes(r.packaged);
    expect(r.book).toBe(178_979);
  });
});

describeChromium()('Chromium', () => {
  it('the browser builds give Node’s results', async () => {
    const s = await openSession();
    try {
      await s.page.route('**/dist/browser/generate.js', (route) =>
        route.fulfill({ path: join(ROOT, 'dist/browser/generate.js'), contentType: 'text/javascript' }),
      );
      await s.page.goto(s.url);
      const base64 = Buffer.from(fixture.bytes).toString('base64');
      const r = (await s.page.evaluate(`
        Promise.all([import('/dist/browser/index.js'), import('/dist/browser/generate.js')]).then(([full, generate]) =>
          (${job.toString()})(full, generate, Uint8Array.from(atob('${base64}'), (c) => c.charCodeAt(0))))`)) as Job;
      expectNodes(r);
      expect(s.errors).toEqual([]);
    } finally {
      await s.close();
    }
  });
});
