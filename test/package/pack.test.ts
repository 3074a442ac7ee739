/**
 * The published package is complete: `npm pack`, install the tarball into an empty project (offline,
 * from the npm cache, as after `npm ci`), and use it from plain Node: the API through the `node`
 * export, the browser bundle through the `browser` condition, the types, and the `deeprnn` bin.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild'; // vite's bundler, present with vitest: a page's bundler with no configuration
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const project = mkdtempSync(join(tmpdir(), 'deeprnn-pack-'));

// Trains a tiny model on the WASM backend and prints what the test compares across the two builds.
const USE = `
import * as lib from 'deeprnn';
const corpus = await lib.buildCorpus('the time machine by h g wells '.repeat(40), { preprocess: 'd2l', tokenize: 'char' });
const lm = await lib.LanguageModel.create(corpus.vocab, { cell: 'gru', layers: 2, hidden: 8, seed: 1, backend: 'wasm', wasmBuild: 'nn' });
const r = await lm.train(corpus.tokens, { epochs: 2, batchSize: 2, numSteps: 8, lr: 1 });
console.log(JSON.stringify({ resolved: import.meta.resolve('deeprnn'), ppl: r.history.map((e) => e.trainPerplexity), text: await lm.predict('the ', 12) }));
lm.dispose();
`;

describe('npm pack', () => {
  let files: string[] = [];
  beforeAll(async () => {
    const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', project], { cwd: root });
    const [info] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    files = info.files.map((f) => f.path);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'uses-deeprnn', private: true, type: 'module' }));
    writeFileSync(join(project, 'use.mjs'), USE);
    const install = (mode: string) => run('npm', ['install', mode, '--no-audit', '--no-fund', `./${info.filename}`], { cwd: project });
    // Offline first (the cache holds `webgpu` after npm ci); the registry only if the cache lacks it.
    await install('--offline').catch(() => install('--prefer-offline'));
  }, 120_000);
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('ships the builds and the types, and nothing of the sources or tests', () => {
    for (const f of ['dist/node/index.js', 'dist/node/cli.js', 'dist/browser/index.js', 'dist/types/index.d.ts', 'package.json', 'README.md']) expect(files).toContain(f);
    expect(files.filter((f) => !f.startsWith('dist/') && !['package.json', 'README.md'].includes(f))).toEqual([]);
    expect(files.some((f) => f.startsWith('dist/types/') && f.endsWith('language-model.d.ts'))).toBe(true);
    expect(existsSync(join(project, 'node_modules/deeprnn/dist/types/index.d.ts'))).toBe(true);
  });

  it('imports, trains and generates from plain Node; the browser build gives the same numbers', async () => {
    const node = JSON.parse((await run('node', ['use.mjs'], { cwd: project })).stdout);
    const browser = JSON.parse((await run('node', ['--conditions=browser', 'use.mjs'], { cwd: project })).stdout);
    expect(node.resolved).toMatch(/node_modules\/deeprnn\/dist\/node\/index\.js$/);
    expect(browser.resolved).toMatch(/node_modules\/deeprnn\/dist\/browser\/index\.js$/);
    expect(node.ppl).toHaveLength(2);
    expect(node.ppl[1]).toBeLessThan(node.ppl[0]);
    expect(node.text.startsWith('the ')).toBe(true);
    expect(browser.ppl).toEqual(node.ppl);
    expect(browser.text).toBe(node.text);
  });

  it("bundles for a page with a bundler's defaults: the browser build, no warnings, no node: or Dawn import", async () => {
    writeFileSync(join(project, 'page.js'), "import { LanguageModel } from 'deeprnn';\nconsole.log(LanguageModel);\n");
    const r = await build({ absWorkingDir: project, entryPoints: ['page.js'], bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent', metafile: true });
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(Object.keys(r.metafile.inputs).sort()).toEqual(['node_modules/deeprnn/dist/browser/index.js', 'page.js']);
    expect(r.outputFiles[0].text).not.toMatch(/(\bimport\s*\(|\bfrom|\brequire\s*\()\s*['"](node:|webgpu['"])/);
  });

  it('runs the deeprnn bin', async () => {
    const { stdout } = await run(join(project, 'node_modules/.bin/deeprnn'), ['--help'], { cwd: project });
    expect(stdout).toMatch(/^Usage: deeprnn <command>/);
    const pkg = JSON.parse(readFileSync(join(project, 'node_modules/deeprnn/package.json'), 'utf8'));
    expect(pkg.exports['.'].browser).toBe('./dist/browser/index.js');
  });
});
