/**
 * The worker threads of one WASM model: threads - 1 workers (worker_threads in Node, Web Workers in
 * browsers), each with an instance of the kernels' shared-memory module on the model's one shared memory
 * (pool-worker.ts), plus the calling thread itself, which computes part 0 of every task. run() hands
 * parts 1.. to the workers through a small control SharedArrayBuffer, computes part 0, then computes
 * itself every part that no worker has started yet (a worker the OS has not scheduled does not hold the
 * task up), and returns when all are done: to its caller a task is one synchronous kernel call. Who
 * computes a part never changes its bits (parallel.ts).
 *
 * Waiting: idle workers sleep in Atomics.wait (no core is spun while the model is idle); the calling
 * thread sleeps too where it may block (Node, workers) and polls where it may not (a page's main thread).
 * Failure: a kernel that throws in a worker, a worker that exits or errors, or one that has not finished
 * a part it took long after the calling thread finished its own equal part (timeoutMs + 20x that part's
 * time) puts the pool in a failed state, and every later call throws E_WORKER_FAILED: never a hang. dispose() stops and
 * terminates every worker; workers do not keep Node's event loop alive (unref), so a program exits
 * normally whether or not it disposed its models.
 */
import { DeepRnnError } from '../../errors.js';
import {
  type ControlLayout,
  NODE_PORT,
  poolWorker,
  WEB_PORT,
  type WorkerInit,
  type WorkerMessage,
} from './pool-worker.js';

const SLOT_ARGS = 16;
const HEADER_WORDS = 4;

/** Control layout for `workers` workers: 4 header words, a state word each, then the slots. */
export function controlLayout(workers: number): ControlLayout {
  const words = HEADER_WORDS + workers + ((HEADER_WORDS + workers) % 2); // slots start 8-byte aligned
  return { gen: 0, failed: 1, stop: 2, states: HEADER_WORDS, slots: words / 2, slotArgs: SLOT_ARGS };
}

/** A worker that has not said 'ready' by then never will. */
const START_TIMEOUT_MS = 30_000;
/** Sleep slices of the calling thread's wait, so the timeout is checked even if a wake-up were lost. */
const WAIT_SLICE_MS = 50;

export interface PoolOptions {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** Byte offsets of each worker's packing scratch (one per worker: threads - 1). */
  scratch: number[];
  /** Kernel exports tasks may name. */
  names: string[];
  /** Generation polls before a worker sleeps, and completion polls before the caller sleeps. */
  spin?: number;
  /** Grace beyond 20x the caller's own part before an unfinished task counts as a dead worker. */
  timeoutMs?: number;
  /** Whether the calling thread computes parts no worker has started (default true; tests turn it off). */
  steal?: boolean;
}

/** A started thread, Node's or the browser's. */
interface Thread {
  post(message: WorkerInit): void;
  terminate(): void;
  /** Resolves once the thread has ended. */
  exited: Promise<void>;
}

type Listener = (event: { message?: WorkerMessage; error?: string; exit?: boolean }) => void;

const inNode = (): boolean => typeof process !== 'undefined' && typeof process.versions?.node === 'string';

async function spawn(listener: Listener): Promise<Thread> {
  const source = (port: string) => `${port}\n(${poolWorker.toString()})(port);\n`;
  if (inNode()) {
    const { Worker } = await import('node:worker_threads');
    // Eval'd code is CommonJS unless this process was told otherwise, a flag its workers would inherit.
    const execArgv = process.execArgv.filter((a) => !/^--(input-type|experimental-default-type)\b/.test(a));
    const w = new Worker(source(NODE_PORT), { eval: true, execArgv });
    const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
    w.on('message', (message: WorkerMessage) => listener({ message }));
    w.on('error', (e) => listener({ error: String(e) }));
    w.on('exit', () => listener({ exit: true }));
    // After the listeners: adding a 'message' listener refs the worker's port again.
    w.unref();
    return {
      post: (m) => w.postMessage(m),
      terminate: () => void w.terminate(),
      exited,
    };
  }
  if (typeof Worker !== 'function')
    throw new DeepRnnError('E_BAD_OPTION', 'threads need Web Workers, which are not available here');
  const url = URL.createObjectURL(new Blob([source(WEB_PORT)], { type: 'text/javascript' }));
  const w = new Worker(url);
  let ended: () => void = () => {};
  const exited = new Promise<void>((resolve) => {
    ended = resolve;
  });
  w.onmessage = (e: MessageEvent<WorkerMessage>) => listener({ message: e.data });
  w.onerror = (e) => {
    e.preventDefault();
    listener({ error: e.message || 'the worker script failed to load' });
  };
  return {
    post: (m) => w.postMessage(m),
    terminate: () => {
      w.terminate();
      URL.revokeObjectURL(url);
      ended();
    },
    exited,
  };
}

/** Whether this thread may block in Atomics.wait (a page's main thread may not). */
function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

export class WorkerPool {
  /** Threads computing each task: the workers and the calling thread. */
  readonly threads: number;
  /** Tasks run so far, parts handed to workers, and those the calling thread ran itself (for tests and profiles). */
  tasks = 0;
  handed = 0;
  stolen = 0;
  private readonly control: Int32Array;
  private readonly slots: Float64Array;
  private readonly layout: ControlLayout;
  /** The generation of the last task posted. */
  private gen = 0;
  private readonly blocking = canBlock();
  private readonly spin: number;
  private readonly timeoutMs: number;
  private readonly steal: boolean;
  private failed: string | null = null;
  private stopped = false;

  private constructor(
    private readonly workers: Thread[],
    control: SharedArrayBuffer,
    options: PoolOptions,
  ) {
    this.threads = workers.length + 1;
    this.layout = controlLayout(workers.length);
    this.control = new Int32Array(control);
    this.slots = new Float64Array(control);
    this.spin = options.spin ?? 0;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.steal = options.steal ?? true;
  }

  /** Starts one worker per scratch region and resolves once every one is ready (E_WORKER_FAILED if one is not). */
  static async start(options: PoolOptions): Promise<WorkerPool> {
    const n = options.scratch.length;
    const layout = controlLayout(n);
    const control = new SharedArrayBuffer(8 * (layout.slots + n * (1 + SLOT_ARGS)));
    const threads: Thread[] = [];
    const ready: Promise<void>[] = [];
    let pool: WorkerPool | null = null;
    try {
      for (let index = 0; index < n; index++) {
        let settle: (error?: string) => void = () => {};
        const started = new Promise<void>((resolve, reject) => {
          settle = (error) =>
            error === undefined ? resolve() : reject(workerError(`worker ${index + 1} did not start: ${error}`));
        });
        // Awaited below; a worker ended after a failed start must not be an unhandled rejection.
        started.catch(() => {});
        ready.push(started);
        const thread = await spawn((e) => {
          if (e.message?.type === 'ready') return settle();
          const why = e.message?.type === 'error' ? e.message.message : (e.error ?? 'it exited');
          settle(why);
          pool?.fail(`worker ${index + 1} of ${n}: ${why}`);
        });
        threads.push(thread);
        const { module, memory, names } = options;
        const init: WorkerInit = {
          module,
          memory,
          control,
          layout,
          index,
          names,
          spin: options.spin ?? 0,
          scratch: options.scratch[index],
        };
        thread.post(init);
      }
      await withTimeout(
        Promise.all(ready),
        START_TIMEOUT_MS,
        `the workers did not start within ${START_TIMEOUT_MS / 1000} s`,
      );
    } catch (error) {
      for (const t of threads) t.terminate();
      throw error;
    }
    pool = new WorkerPool(threads, control, options);
    return pool;
  }

  /**
   * Runs one task: `call(parts[0])` here, `parts[w + 1]` (the arguments of export `fn`) on worker w, or
   * here too when that worker has not started it by the time this thread is free; returns when all are
   * done. Workers without a part do nothing this time.
   */
  run(fn: number, parts: ReadonlyArray<ReadonlyArray<number>>, call: (args: ReadonlyArray<number>) => void): void {
    this.check();
    this.tasks++;
    const { control: c, layout: l } = this;
    this.gen = (this.gen + 1) | 0;
    const g = this.gen;
    const posted = (3 * g) | 0;
    for (let w = 0; w < this.workers.length; w++) {
      const p = parts[w + 1];
      if (p === undefined) {
        Atomics.store(c, l.states + w, posted + 2);
        continue;
      }
      this.handed++;
      const at = l.slots + w * (1 + SLOT_ARGS);
      this.slots[at] = fn;
      for (let i = 0; i < p.length; i++) this.slots[at + 1 + i] = p[i];
      Atomics.store(c, l.states + w, posted);
    }
    Atomics.store(c, l.gen, g);
    Atomics.notify(c, l.gen);
    const t0 = performance.now();
    let error: unknown = null;
    try {
      call(parts[0]);
      for (let w = 0; w < this.workers.length && this.steal; w++) {
        if (Atomics.compareExchange(c, l.states + w, posted, posted + 1) === posted) {
          this.stolen++;
          call(parts[w + 1]);
          Atomics.store(c, l.states + w, posted + 2);
        }
      }
    } catch (e) {
      error = e;
    }
    this.join(posted, performance.now() - t0);
    if (error !== null) throw error;
  }

  /** The error every call throws once a worker failed, or null. */
  failure(): DeepRnnError | null {
    return this.failed === null ? null : workerError(this.failed);
  }

  /** Stops and terminates every worker. Idempotent. */
  dispose(): void {
    if (this.stopped) return;
    this.stopped = true;
    Atomics.store(this.control, this.layout.stop, 1);
    Atomics.store(this.control, this.layout.gen, (this.gen + 1) | 0);
    Atomics.notify(this.control, this.layout.gen);
    for (const w of this.workers) w.terminate();
  }

  /** Resolves once every worker has ended. */
  closed(): Promise<void> {
    return Promise.all(this.workers.map((w) => w.exited)).then(() => {});
  }

  /** Marks the pool failed (a worker errored or exited): the next call throws. */
  fail(why: string): void {
    if (!this.stopped && this.failed === null) this.failed = why;
  }

  private check(): void {
    if (this.stopped) throw new DeepRnnError('E_DISPOSED', 'this model was disposed');
    const f = this.failure();
    if (f !== null) throw f;
  }

  /** Waits until no worker holds a part of the task posted as `posted` (3g). */
  private join(posted: number, ownMs: number): void {
    const { control: c, layout: l } = this;
    const limit = this.timeoutMs + 20 * ownMs;
    const start = performance.now();
    for (let w = 0; w < this.workers.length; w++) {
      const state = l.states + w;
      let polls = 0;
      // Without stealing, a part not yet taken is waited for too.
      for (let s = Atomics.load(c, state); s === posted + 1 || s === posted; s = Atomics.load(c, state)) {
        if (polls < this.spin) {
          polls++;
          continue;
        }
        if (this.blocking) Atomics.wait(c, state, s, WAIT_SLICE_MS);
        if (performance.now() - start > limit) {
          this.fail(`worker ${w + 1} did not finish its part within ${Math.round(limit)} ms (it may have died)`);
          throw this.failure()!;
        }
      }
    }
    const failed = Atomics.load(c, l.failed);
    if (failed !== 0) {
      this.fail(`worker ${failed} of ${this.workers.length} failed in a kernel`);
      throw this.failure()!;
    }
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number, why: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(workerError(why)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function workerError(why: string): DeepRnnError {
  return new DeepRnnError(
    'E_WORKER_FAILED',
    `a worker thread of this model failed (${why}); the model cannot continue: dispose it and create or load it again`,
  );
}
