// Bundles the tsc output (build/js) into dist/. The WASM bytes and WGSL sources are already inlined as
// modules by scripts/embed.mjs, so the bundles need no plugins and no extra files at run time.
import { existsSync } from 'node:fs';

const entries = ['index', 'cli'].filter((name) => existsSync(`build/js/${name}.js`));

export default entries.map((name) => ({
  input: `build/js/${name}.js`,
  output: { file: `dist/node/${name}.js`, format: 'es', inlineDynamicImports: true },
  external: (id) => id === 'webgpu' || id.startsWith('node:'),
}));
