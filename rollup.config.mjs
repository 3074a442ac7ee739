// Bundles the tsc output (build/js) into dist/. The WASM bytes and WGSL sources are already inlined as
// modules by scripts/embed.mjs, so the node and browser bundles need no plugins for them and no extra
// files at run time.
//   dist/node/     index.js + cli.js + generate.js sharing chunks; `webgpu` (Dawn) and node:* stay imports.
//   dist/browser/  self-contained index.js and generate.js (deeprnn/generate: generation alone): no chunk
//                  to fetch up front, nothing for a page's bundler to configure. The ONNX / TF.js interop
//                  code (src/interop, ~16 KB gzipped) is interop.js, a chunk that index.js imports only when
//                  a model is exported to or read from those formats; it takes what it shares with the rest
//                  (DeepRnnError, Vocab, the checkpoint reader) from index.js, so there is one copy of each.
//   dist/workerd/  index.js and generate.js for Cloudflare Workers (the `workerd` and `worker` export
//                  conditions): they import their WASM modules from .wasm files beside them
//                  (src/wasm/modules.workerd.ts in place of modules.ts), as precompiled modules, because
//                  Workers refuse to compile WebAssembly at run time.
//   */datasets/timemachine.js  the book (~95 KB of base64), an entry of its own in each: loadTimeMachine()
//                  imports it lazily, so only programs that read the book load it.
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { transform } from 'esbuild';

/** Empties an output folder first, so chunks of earlier builds (hashed names) never ship. */
const clean = (dir) => ({
  name: 'clean',
  buildStart() {
    rmSync(dir, { recursive: true, force: true });
  },
});

/** rollup writes files without the execute bit: the `deeprnn` bin must keep it across every rebuild. */
const executable = (file) => ({
  name: 'executable',
  writeBundle() {
    chmodSync(file, 0o755);
  },
});

/** dist/<target>/<entry>.d.ts, so a relative or URL import of a build (as the demo's) is typed too. */
const typesEntry = (...entries) => ({
  name: 'types-entry',
  generateBundle() {
    for (const e of entries)
      this.emitFile({ type: 'asset', fileName: `${e}.d.ts`, source: `export * from '../types/${e}.js';\n` });
  },
});

/**
 * The workerd build: src/wasm/modules.workerd.ts in place of modules.ts, its `.wasm` imports kept as
 * imports of files beside the bundle (each copied there), and no inlined base64. A `.wasm` import whose
 * module goes unused is dropped, so each bundle imports only the files it needs.
 */
const INLINE_MODULES = resolve('build/js/wasm/modules.js');
const workerdModules = (wasmFiles) => ({
  name: 'workerd-modules',
  async resolveId(source, importer, options) {
    if (source.endsWith('.wasm')) return { id: `./${basename(source)}`, external: true, moduleSideEffects: false };
    const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
    if (resolved?.id === INLINE_MODULES) return resolve('build/js/wasm/modules.workerd.js');
    return resolved;
  },
  generateBundle() {
    for (const f of wasmFiles) this.emitFile({ type: 'asset', fileName: f, source: readFileSync(`build/${f}`) });
  },
});

/**
 * node:* modules are imported dynamically and only on paths that first check for Node (files, the cache
 * directory). For browsers they become a stub module, so the bundle holds no `node:` specifier that a
 * page's bundler or the browser could trip over; reaching one anyway is a clear error, never a fetch.
 * NODE_NAMES: every name the sources take from node:* modules, each a function that throws when called.
 */
const NODE_NAMES = [
  'execFile',
  'createRequire',
  'pathToFileURL',
  'readFile',
  'writeFile',
  'mkdir',
  'rename',
  'rm',
  'open',
  'join',
  'dirname',
  'basename',
  'homedir',
  'fileURLToPath',
  'Worker',
  'availableParallelism',
  'cpus',
];

const nodeBuiltinsAbsent = () => ({
  name: 'node-builtins-absent',
  resolveId(id) {
    return id.startsWith('node:') ? `\0absent:${id}` : null;
  },
  load(id) {
    if (!id.startsWith('\0absent:')) return null;
    const name = id.slice('\0absent:'.length);
    const message = JSON.stringify(`deeprnn: ${name} is only available in Node`);
    const names = NODE_NAMES.map((n) => `absent as ${n}`).join(', ');
    return `const absent = () => { throw new Error(${message}); };\nexport { ${names} };\nexport default {};\n`;
  },
});

/**
 * Comments and whitespace out (names kept, so the bundle still reads in a stack trace): for the
 * generation-only bundles, whose size is a goal (README, test/edge/bundles.test.ts).
 */
const compact = () => ({
  name: 'compact',
  async renderChunk(code) {
    return { code: (await transform(code, { minifyWhitespace: true, format: 'esm', legalComments: 'none' })).code };
  },
});

const book = resolve('build/js/datasets/timemachine.js');
const interop = resolve('build/js/interop');

/**
 * One self-contained file for `entry` in `dir` (browsers, workerd): Dawn's `webgpu` is imported through a
 * variable in src/backends/webgpu/device.ts and only in Node, so rollup never sees it; browsers use
 * navigator.gpu. The book stays a separate file, imported on demand.
 */
const standalone = (dir, entry, plugins, { interopChunk = false } = {}) => ({
  input: `build/js/${entry}.js`,
  output: {
    dir,
    format: 'es',
    entryFileNames: `${entry}.js`,
    paths: { [book]: './datasets/timemachine.js' },
    // interopChunk: every module goes into the entry's file except src/interop (interop.js, loaded on
    // demand), which imports what it shares from the entry under short export names. Otherwise one file:
    // a plain workerd config must list every module it may import.
    ...(interopChunk
      ? { chunkFileNames: '[name].js', manualChunks: (id) => (id.startsWith(interop) ? 'interop' : entry) }
      : { inlineDynamicImports: true }),
  },
  preserveEntrySignatures: interopChunk ? 'allow-extension' : 'exports-only',
  external: (id) => id === book,
  plugins: [nodeBuiltinsAbsent(), typesEntry(entry), ...plugins],
});

const bookFile = (dir) => ({ input: book, output: { file: `${dir}/datasets/timemachine.js`, format: 'es' } });

export default [
  {
    input: {
      index: 'build/js/index.js',
      cli: 'build/js/cli.js',
      generate: 'build/js/generate.js',
      'datasets/timemachine': book,
    },
    output: { dir: 'dist/node', format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
    external: (id) => id === 'webgpu' || id.startsWith('node:'),
    plugins: [clean('dist/node'), typesEntry('index', 'generate'), executable('dist/node/cli.js')],
  },
  standalone('dist/browser', 'index', [clean('dist/browser')], { interopChunk: true }),
  standalone('dist/browser', 'generate', [compact()]),
  bookFile('dist/browser'),
  standalone('dist/workerd', 'index', [clean('dist/workerd'), workerdModules(['text.wasm', 'nn.wasm'])]),
  standalone('dist/workerd', 'generate', [workerdModules(['text.wasm', 'nn-forward.wasm']), compact()]),
  bookFile('dist/workerd'),
];
