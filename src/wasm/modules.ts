/**
 * The WASM modules of Node, browser, Deno and Bun builds: compiled on first use from the bytes that
 * scripts/embed.mjs inlined as base64, so one JS file needs no fetch and no bundler configuration. The
 * workerd build swaps this file for modules.workerd.ts (rollup.config.mjs), which imports them precompiled.
 * Each is a constant of its own, marked pure, so a bundle keeps only those its code uses.
 */
import { withSharedMemory } from './shared-memory.js';
import * as base64 from '../generated/wasm.js';
import type { WasmModule } from './module.js';

function inlined(name: string, source: string): WasmModule {
  let bytes: Uint8Array<ArrayBuffer> | undefined;
  let compiled: Promise<WebAssembly.Module> | undefined;
  let compiledSync: WebAssembly.Module | undefined;
  let compiledShared: Promise<WebAssembly.Module> | undefined;
  const decode = (): Uint8Array<ArrayBuffer> => {
    if (bytes === undefined) {
      const bin = atob(source);
      bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    }
    return bytes;
  };
  return {
    name,
    available: () => WebAssembly.validate(decode()),
    module: () => {
      compiled ??= compiledSync ? Promise.resolve(compiledSync) : WebAssembly.compile(decode());
      return compiled;
    },
    moduleSync: () => {
      compiledSync ??= new WebAssembly.Module(decode());
      return compiledSync;
    },
    sharedModule: () => {
      compiledShared ??= WebAssembly.compile(withSharedMemory(decode()));
      return compiledShared;
    },
  };
}

export const textWasm: WasmModule = /* @__PURE__ */ inlined('text', base64.text);
export const nnWasm: WasmModule = /* @__PURE__ */ inlined('nn', base64.nn);
export const nnRelaxedWasm: WasmModule = /* @__PURE__ */ inlined('nn-relaxed', base64.nnRelaxed);
export const nnForwardWasm: WasmModule = /* @__PURE__ */ inlined('nn-forward', base64.nnForward);
