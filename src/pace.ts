/**
 * The WASM backend computes synchronously, so a long loop of awaits never lets timers, signal handlers
 * (Ctrl-C), a worker's Stop message or page updates run. A pacer yields to the event loop (a macrotask)
 * whenever `everyMs` have passed since it last did.
 */
export function eventLoopPacer(everyMs = 50): () => Promise<void> | undefined {
  let last = globalThis.performance.now();
  // Between yields it returns undefined rather than a resolved promise: a per-token loop that awaits only
  // when there is something to wait for saves a promise and a microtask on every token.
  return () => {
    if (globalThis.performance.now() - last < everyMs) return undefined;
    return new Promise<void>((resolve) => setTimeout(resolve, 0)).then(() => {
      last = globalThis.performance.now();
    });
  };
}
