// Bundles the tsc output (build/js) into dist/. The WASM bytes and WGSL sources are already inlined as
// modules by scripts/embed.mjs, so the bundles need no plugins for them and no extra files at run time.
//   dist/node/     index.js + cli.js sharing chunks; `webgpu` (Dawn) and node:* stay imports.
//   dist/browser/  one self-contained index.js: no chunks to fetch, nothing for a page's bundler to configure.
//   */datasets/timemachine.js  the book (~95 KB of base64), an entry of its own in both: loadTimeMachine()
//                  imports it lazily, so only programs that read the book load it.
import { chmodSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';

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

/** dist/<target>/index.d.ts, so a relative or URL import of a build (as the demo's) is typed too. */
const typesEntry = () => ({
  name: 'types-entry',
  generateBundle() {
    this.emitFile({ type: 'asset', fileName: 'index.d.ts', source: "export * from '../types/index.js';\n" });
  },
});

/**
 * node:* modules are imported dynamically and only on paths that first check for Node (files, the cache
 * directory). For browsers they become a stub module, so the bundle holds no `node:` specifier that a
 * page's bundler or the browser could trip over; reaching one anyway is a clear error, never a fetch.
 * NODE_NAMES: every name the sources take from node:* modules, each a function that throws when called.
 */
const NODE_NAMES = [
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

const book = resolve('build/js/datasets/timemachine.js');

export default [
  {
    input: { index: 'build/js/index.js', cli: 'build/js/cli.js', 'datasets/timemachine': book },
    output: { dir: 'dist/node', format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
    external: (id) => id === 'webgpu' || id.startsWith('node:'),
    plugins: [clean('dist/node'), typesEntry(), executable('dist/node/cli.js')],
  },
  {
    input: 'build/js/index.js',
    // Dawn's `webgpu` is imported through a variable in src/backends/webgpu/device.ts and only in Node: rollup never
    // sees it. Browsers use navigator.gpu. The book stays a separate file, imported on demand.
    output: {
      dir: 'dist/browser',
      format: 'es',
      entryFileNames: 'index.js',
      inlineDynamicImports: true,
      paths: { [book]: './datasets/timemachine.js' },
    },
    external: (id) => id === book,
    plugins: [clean('dist/browser'), nodeBuiltinsAbsent(), typesEntry()],
  },
  {
    input: book,
    output: { file: 'dist/browser/datasets/timemachine.js', format: 'es' },
  },
];
