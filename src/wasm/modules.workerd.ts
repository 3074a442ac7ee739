/**
 * The WASM modules of the workerd build (Cloudflare Workers, and bundlers that follow wrangler's module
 * rules): imported from `.wasm` files next to the bundle, which the runtime hands over as compiled
 * `WebAssembly.Module`s, because Workers refuse to compile WebAssembly from bytes at run time. rollup.config.mjs
 * puts this file in place of modules.ts and copies the `.wasm` files; the relaxed-SIMD kernels are not shipped.
 * Nor are threads: a Worker has no Web Workers to run them on, so `threads` above 1 fails with E_BAD_OPTION
 * (and 'auto' gives 1: src/backends/wasm/threads.ts).
 */
import { DeepRnnError } from '../errors.js';
import nn from './nn.wasm';
import nnForward from './nn-forward.wasm';
import text from './text.wasm';
import type { WasmModule } from './module.js';

function precompiled(name: string, compiled: WebAssembly.Module | null): WasmModule {
  return {
    name,
    available: () => compiled !== null,
    module: async () => compiled ?? precompiledOnly(name),
    moduleSync: () => compiled ?? precompiledOnly(name),
    sharedModule: async () => {
      throw new DeepRnnError('E_BAD_OPTION', 'the workerd build has no WASM threads: use threads: 1');
    },
  };
}

function precompiledOnly(name: string): never {
  throw new DeepRnnError('E_BAD_OPTION', `the '${name}' WASM module is not part of the workerd build`);
}

export const textWasm: WasmModule = /* @__PURE__ */ precompiled('text', text);
export const nnWasm: WasmModule = /* @__PURE__ */ precompiled('nn', nn);
export const nnRelaxedWasm: WasmModule = /* @__PURE__ */ precompiled('nn-relaxed', null);
export const nnForwardWasm: WasmModule = /* @__PURE__ */ precompiled('nn-forward', nnForward);
