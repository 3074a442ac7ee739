/**
 * The WASM backend computes synchronously, so a long loop of awaits never lets timers, signal handlers
 * (Ctrl-C), a worker's Stop message or page updates run. A pacer yields to the event loop (a macrotask)
 * whenever `everyMs` have passed since it last did.
 */
export function eventLoopPacer(everyMs = 50): () => Promise<void> {
  let last = globalThis.performance.now();
  return async () => {
    if (globalThis.performance.now() - last < everyMs) return;
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    last = globalThis.performance.now();
  };
}
