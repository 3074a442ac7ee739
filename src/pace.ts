/**
 * The WASM backend computes synchronously, so a long loop of awaits never lets timers, signal handlers
 * (Ctrl-C), a worker's Stop message or page updates run. A pacer yields to the event loop (a macrotask)
 * whenever `everyMs` have passed since it last did, or after `everyCalls` calls: workerd's clock stands
 * still while code runs (it moves only at I/O, against timing attacks), so time alone would never yield
 * there, and an abort from a timer would never act.
 */
export function eventLoopPacer(everyMs = 50, everyCalls = 1024): () => Promise<void> | undefined {
  let last = globalThis.performance.now();
  let calls = 0;
  // Between yields it returns undefined rather than a resolved promise: a per-token loop that awaits only
  // when there is something to wait for saves a promise and a microtask on every token.
  return () => {
    if (++calls < everyCalls && globalThis.performance.now() - last < everyMs) return undefined;
    calls = 0;
    return macrotask().then(() => {
      last = globalThis.performance.now();
    });
  };
}

/**
 * One turn of the event loop, without setTimeout's clamp (1 ms in Node; 4 ms in browsers once timeouts
 * nest), which cost generation 2-8% of its time at one yield per 50 ms: setImmediate where there is one
 * (Node, Bun), else a message to itself (browsers, workers, Deno), else setTimeout - also in workerd,
 * whose messages never let a due timer run (measured: 400 turns past a 100 ms timer, which did not fire).
 */
function macrotask(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => unknown; navigator?: { userAgent?: string } };
  if (typeof g.setImmediate === 'function') {
    const immediate = g.setImmediate;
    return new Promise((resolve) => immediate(resolve));
  }
  if (typeof MessageChannel === 'function' && g.navigator?.userAgent !== 'Cloudflare-Workers') {
    return new Promise((resolve) => {
      const { port1, port2 } = new MessageChannel();
      port1.onmessage = () => {
        port1.close(); // an open port would keep a Deno or Node process alive
        resolve();
      };
      port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}
