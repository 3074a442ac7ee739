// Bundles the tsc output (build/js) into dist/. The WASM bytes and WGSL sources are already inlined as
// modules by scripts/embed.mjs, so the bundles need no plugins and no extra files at run time.
export default {
  input: { index: 'build/js/index.js', cli: 'build/js/cli.js' },
  output: { dir: 'dist/node', format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
  external: (id) => id === 'webgpu' || id.startsWith('node:'),
};
