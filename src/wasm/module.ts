/**
 * A WASM module that deeprnn instantiates (the text core, the kernel builds), as the build at hand provides
 * it: compiled from bytes inlined in the bundle (modules.ts: Node, browsers, Deno, Bun), or imported
 * precompiled from a `.wasm` file (modules.workerd.ts: Cloudflare Workers and other runtimes that refuse to
 * compile WebAssembly at run time). Instantiation stays with the module's one host (src/text/core.ts,
 * src/backends/wasm/kernels.ts), whichever build provides it.
 */
export interface WasmModule {
  /** The file it was built as, without .wasm ('nn-forward'). */
  readonly name: string;
  /** Whether this build ships it and this engine validates it (asked each time: a V8 flag set at run time changes it). */
  available(): boolean;
  /** The compiled module, compiled at most once. */
  module(): Promise<WebAssembly.Module>;
  /** The same, synchronously; throws where the platform refuses (a browser's main thread, modules over 4 KB). */
  moduleSync(): WebAssembly.Module;
  /**
   * Its twin that imports one shared memory (src/wasm/shared-memory.ts), compiled at most once,
   * for the WASM backend's threads; rejects with E_BAD_OPTION where the build has no threads (workerd).
   */
  sharedModule(): Promise<WebAssembly.Module>;
}
