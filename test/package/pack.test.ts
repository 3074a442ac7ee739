/**
 * The published package is complete: `npm pack`, install the tarball into an empty project (offline,
 * from the npm cache, as after `npm ci`), and use it from plain Node: the API through the `node`
 * export, the browser bundle through the `browser` condition, the types, and the `deeprnn` bin. Dawn
 * (`webgpu`) is an optional peer dependency, so this install has none: WebGPU says how to get it.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
const { TextGenerator } = await import('deeprnn/generate');
const generator = await TextGenerator.load(await lm.toBytes());
console.log(JSON.stringify({
  resolved: import.meta.resolve('deeprnn'), generate: import.meta.resolve('deeprnn/generate'),
  ppl: r.history.map((e) => e.trainPerplexity), text: await lm.predict('the ', 12), generated: await generator.predict('the ', 12),
}));
lm.dispose();
generator.dispose();
`;

// Without Dawn: 'webgpu' is E_NO_WEBGPU with the install hint, 'auto' is WASM with nothing on stderr.
const NO_DAWN = `
import { createModel } from 'deeprnn';
const config = { cell: 'gru', layers: 1, hidden: 4, vocabSize: 5 };
const auto = await createModel({ ...config, backend: 'auto' });
let error;
try { await createModel({ ...config, backend: 'webgpu' }); } catch (e) { error = e; }
console.log(JSON.stringify({ auto: auto.backend, code: error?.code, message: error?.message }));
auto.dispose();
`;

/** Bytes of every file under `dir`. */
function treeSize(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}

describe('npm pack', () => {
  let files: string[] = [];
  let packed = 0;
  beforeAll(async () => {
    const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', project], {
      cwd: root,
    });
    const [info] = JSON.parse(stdout) as Array<{ filename: string; size: number; files: Array<{ path: string }> }>;
    files = info.files.map((f) => f.path);
    packed = info.size;
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'uses-deeprnn', private: true, type: 'module' }),
    );
    writeFileSync(join(project, 'use.mjs'), USE);
    writeFileSync(join(project, 'no-dawn.mjs'), NO_DAWN);
    // deeprnn's one dependency (@webgpu/types, type declarations only) is in the npm cache after npm ci;
    // the registry only if this cache lacks it.
    const install = (mode: string) =>
      run('npm', ['install', mode, '--no-audit', '--no-fund', `./${info.filename}`], { cwd: project });
    await install('--offline').catch(() => install('--prefer-offline'));
  }, 120_000);
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('ships the builds and the types, and nothing of the sources or tests', () => {
    for (const f of [
      'dist/node/index.js',
      'dist/node/cli.js',
      'dist/browser/index.js',
      'dist/node/datasets/timemachine.js',
      'dist/browser/datasets/timemachine.js',
      'dist/node/generate.js',
      'dist/browser/generate.js',
      'dist/workerd/index.js',
      'dist/workerd/generate.js',
      'dist/workerd/datasets/timemachine.js',
      'dist/workerd/text.wasm',
      'dist/workerd/nn.wasm',
      'dist/workerd/nn-forward.wasm',
      'dist/types/index.d.ts',
      'dist/types/generate.d.ts',
      'package.json',
      'README.md',
    ])
      expect(files).toContain(f);
    expect(files.filter((f) => !f.startsWith('dist/') && !['package.json', 'README.md'].includes(f))).toEqual([]);
    expect(files.some((f) => f.startsWith('dist/types/') && f.endsWith('language-model.d.ts'))).toBe(true);
    expect(existsSync(join(project, 'node_modules/deeprnn/dist/types/index.d.ts'))).toBe(true);
  });

  it('installs no native binary: Dawn is an optional peer; sizes as the README reports them', () => {
    expect(existsSync(join(project, 'node_modules/webgpu'))).toBe(false);
    expect(readdirSync(join(project, 'node_modules')).sort()).toEqual([
      '.bin',
      '.package-lock.json',
      '@webgpu',
      'deeprnn',
    ]);
    const installed = treeSize(join(project, 'node_modules'));
    console.log(`deeprnn: npm pack ${(packed / 1024).toFixed(0)} KiB, installed ${(installed / 1024).toFixed(0)} KiB`);
    expect(packed).toBeLessThan(1024 * 1024);
    expect(installed).toBeLessThan(4 * 1024 * 1024);
  });

  it("without Dawn: backend 'webgpu' is E_NO_WEBGPU naming `npm install webgpu`; 'auto' quietly uses WASM", async () => {
    const { stdout, stderr } = await run('node', ['no-dawn.mjs'], { cwd: project });
    expect(stderr).toBe('');
    const r = JSON.parse(stdout);
    expect(r.auto).toBe('wasm');
    expect(r.code).toBe('E_NO_WEBGPU');
    expect(r.message).toContain('`npm install webgpu`');
  });

  it('imports, trains and generates from plain Node; the browser build gives the same numbers', async () => {
    const node = JSON.parse((await run('node', ['use.mjs'], { cwd: project })).stdout);
    const browser = JSON.parse((await run('node', ['--conditions=browser', 'use.mjs'], { cwd: project })).stdout);
    expect(node.resolved).toMatch(/node_modules\/deeprnn\/dist\/node\/index\.js$/);
    expect(browser.resolved).toMatch(/node_modules\/deeprnn\/dist\/browser\/index\.js$/);
    expect(node.generate).toMatch(/node_modules\/deeprnn\/dist\/node\/generate\.js$/);
    expect(browser.generate).toMatch(/node_modules\/deeprnn\/dist\/browser\/generate\.js$/);
    expect(node.generated).toBe(node.text); // deeprnn/generate: the same text from the same weights
    expect(node.ppl).toHaveLength(2);
    expect(node.ppl[1]).toBeLessThan(node.ppl[0]);
    expect(node.text.startsWith('the ')).toBe(true);
    expect(browser.ppl).toEqual(node.ppl);
    expect(browser.text).toBe(node.text);
    expect(browser.generated).toBe(node.text);
  });

  it('bundles for a Worker as wrangler does: the workerd build, its .wasm files kept as modules', async () => {
    writeFileSync(
      join(project, 'worker.js'),
      "import { LanguageModel } from 'deeprnn';\nimport { TextGenerator } from 'deeprnn/generate';\nexport default { LanguageModel, TextGenerator };\n",
    );
    const r = await build({
      absWorkingDir: project,
      entryPoints: ['worker.js'],
      bundle: true,
      format: 'esm',
      conditions: ['workerd', 'worker', 'browser'],
      loader: { '.wasm': 'copy' },
      outdir: 'worker-out',
      write: false,
      logLevel: 'silent',
      metafile: true,
    });
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(Object.keys(r.metafile.inputs).sort()).toEqual(
      ['datasets/timemachine.js', 'generate.js', 'index.js', 'nn-forward.wasm', 'nn.wasm', 'text.wasm']
        .map((f) => `node_modules/deeprnn/dist/workerd/${f}`)
        .concat('worker.js'),
    );
  });

  it("bundles for a page with a bundler's defaults: the browser build, no warnings, no node: or Dawn import", async () => {
    writeFileSync(join(project, 'page.js'), "import { LanguageModel } from 'deeprnn';\nconsole.log(LanguageModel);\n");
    const r = await build({
      absWorkingDir: project,
      entryPoints: ['page.js'],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      logLevel: 'silent',
      metafile: true,
    });
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    // The book and the ONNX / TF.js code are dynamic imports of their own files: bundlers that split code
    // load them only when asked for.
    expect(Object.keys(r.metafile.inputs).sort()).toEqual([
      'node_modules/deeprnn/dist/browser/datasets/timemachine.js',
      'node_modules/deeprnn/dist/browser/index.js',
      'node_modules/deeprnn/dist/browser/interop.js',
      'page.js',
    ]);
    expect(r.outputFiles[0].text).not.toMatch(/(\bimport\s*\(|\bfrom|\brequire\s*\()\s*['"](node:|webgpu['"])/);
  });

  it('compiles in a strict TypeScript project: the WebGPU types come with the package', async () => {
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2022', 'DOM'],
          types: [],
        },
        files: ['typed.ts'],
      }),
    );
    writeFileSync(
      join(project, 'typed.ts'),
      "import { LanguageModel, createWebGpuModel, type RecurrentModel } from 'deeprnn';\n" +
        'export async function f(device: GPUDevice): Promise<RecurrentModel> {\n' +
        "  await LanguageModel.load(new Uint8Array(0), { backend: 'wasm' }).catch(() => null);\n" +
        "  return createWebGpuModel({ cell: 'gru', layers: 1, hidden: 4, vocabSize: 5 }, { device });\n}\n",
    );
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const r = await run('node', [tsc, '-p', 'tsconfig.json'], { cwd: project }).then(
      () => ({ code: 0, out: '' }),
      (e: { stdout?: string; code?: number }) => ({ code: e.code ?? 1, out: e.stdout ?? '' }),
    );
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  }, 60_000);

  it('runs the deeprnn bin', async () => {
    const { stdout } = await run(join(project, 'node_modules/.bin/deeprnn'), ['--help'], { cwd: project });
    expect(stdout).toMatch(/^Usage: deeprnn <command>/);
    const pkg = JSON.parse(readFileSync(join(project, 'node_modules/deeprnn/package.json'), 'utf8'));
    expect(pkg.exports['.'].browser).toBe('./dist/browser/index.js');
  });
});
