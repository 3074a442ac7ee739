/**
 * What every pool worker runs (pool.ts starts it from source text: eval'd by Node's worker_threads, or a
 * classic Web Worker from a Blob URL), so it refers to nothing outside itself and imports nothing. It instantiates the kernels' shared-memory module on the model's memory with scratch of
 * its own, says 'ready', then serves tasks until told to stop: sleep in Atomics.wait until the task
 * generation changes, take its part (unless the main thread already took it), call the kernel export
 * named in its slot with the slot's arguments, mark the part done (waking the main thread), sleep again.
 * A kernel that throws sets the failed flag before marking its part done, so nothing waits on it.
 */

/**
 * Where things are in the control SharedArrayBuffer. Int32 words: the task generation g, the failed
 * flag, the stop flag, then one state word per worker: 3g posted (its part of task g is waiting),
 * 3g + 1 taken (by the worker, or by the main thread, which runs parts no worker has started), 3g + 2
 * done (or no part). Float64 slots: one per worker, [export index, up to slotArgs arguments].
 */
export interface ControlLayout {
  gen: number;
  /** 0, or 1 + the index of a worker whose kernel threw. */
  failed: number;
  stop: number;
  /** Int32 index of worker 0's state word. */
  states: number;
  /** Float64 index of worker 0's slot. */
  slots: number;
  slotArgs: number;
}

export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  layout: ControlLayout;
  /** This worker's index (its slot). */
  index: number;
  /** Byte offset of this worker's packing scratch in the shared memory. */
  scratch: number;
  /** The exports a slot may name, by index. */
  names: string[];
  /** Polls of the generation before sleeping (0: sleep at once). */
  spin: number;
}

export type WorkerMessage = { type: 'ready' } | { type: 'error'; message: string };

/** How a worker hears its init message and talks back: Node's parentPort or a Web Worker's scope. */
export interface WorkerPort {
  once(listener: (init: WorkerInit) => void): void;
  post(message: WorkerMessage): void;
}

/** Source text of `port` in a Node worker (eval'd CommonJS: pool.ts drops --input-type from its flags). */
export const NODE_PORT = `const { parentPort } = require(${JSON.stringify('worker_threads')});
const port = { once: (f) => parentPort.once('message', f), post: (m) => parentPort.postMessage(m) };`;

/** Source text of `port` in a classic Web Worker. */
export const WEB_PORT = `const port = {
  once: (f) => self.addEventListener('message', (e) => f(e.data), { once: true }),
  post: (m) => self.postMessage(m),
};`;

/**
 * The worker itself. Its text is shipped (after NODE_PORT or WEB_PORT), so it uses nothing but its
 * argument and standard globals: no imports, no `require` (bundlers rename that), no closures.
 */
export function poolWorker(port: WorkerPort): void {
  const serve = (init: WorkerInit, exports: Record<string, unknown>) => {
    const { layout: c, index } = init;
    const control = new Int32Array(init.control);
    const slot = new Float64Array(init.control).subarray(
      c.slots + index * (1 + c.slotArgs),
      c.slots + (index + 1) * (1 + c.slotArgs),
    );
    const fns = init.names.map((n) => exports[n] as (...a: number[]) => void);
    (exports.useScratch as (p: number) => void)(init.scratch);
    // Read before 'ready': the main thread may post the first task as soon as it hears it.
    let seen = Atomics.load(control, c.gen);
    port.post({ type: 'ready' });
    const state = c.states + index;
    for (;;) {
      for (let i = 0; i < init.spin && Atomics.load(control, c.gen) === seen; i++);
      while (Atomics.load(control, c.gen) === seen) Atomics.wait(control, c.gen, seen);
      seen = Atomics.load(control, c.gen);
      if (Atomics.load(control, c.stop) !== 0) return;
      const posted = (3 * seen) | 0;
      // Lost to the main thread, or a task without a part for this worker: nothing to do.
      if (Atomics.compareExchange(control, state, posted, posted + 1) !== posted) continue;
      const f = slot[0];
      try {
        const s = slot;
        fns[f](s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11], s[12], s[13], s[14], s[15], s[16]);
      } catch (error) {
        Atomics.store(control, c.failed, index + 1);
        port.post({ type: 'error', message: `${init.names[f]}: ${String(error)}` });
      }
      Atomics.store(control, state, posted + 2);
      Atomics.notify(control, state);
    }
  };

  port.once((init) => {
    const imports = {
      env: {
        memory: init.memory,
        abort(): never {
          throw new Error('WASM kernel aborted');
        },
      },
    };
    WebAssembly.instantiate(init.module, imports).then(
      (instance) => serve(init, instance.exports as Record<string, unknown>),
      (error) => port.post({ type: 'error', message: String(error) }),
    );
  });
}
