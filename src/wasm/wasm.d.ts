// What workerd (and wrangler's module rules) give for `import m from './x.wasm'`: the compiled module.
declare module '*.wasm' {
  const compiled: WebAssembly.Module;
  export default compiled;
}
