/**
 * How many threads a WASM model computes on. Threads share one WebAssembly.Memory, which needs
 * SharedArrayBuffer: always there in Node, and in a browser only on a cross-origin isolated page (one
 * served with `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy:
 * require-corp`). 'auto' is every core where threads are possible and 1 elsewhere, with a notice (once
 * per page, on the console) saying why.
 */
import { DeepRnnError, check } from '../../errors.js';

export type ThreadsOption = number | 'auto';

/** The most threads a model may be given ('auto' caps at it too): beyond, waking them costs more than they add. */
export const MAX_THREADS = 64;

export const NOT_ISOLATED =
  'this page is not cross-origin isolated, so it has no SharedArrayBuffer and the WASM backend runs on 1 thread; serve it with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp to train on every core';

export interface ThreadSupport {
  /** What threads: 'auto' gives here. */
  threads: number;
  /** Why that is 1 on a machine with more cores, or null. */
  notice: string | null;
}

const inNode = (): boolean => typeof process !== 'undefined' && typeof process.versions?.node === 'string';

function sharedMemoryAvailable(): boolean {
  if (typeof SharedArrayBuffer !== 'function') return false;
  return inNode() || (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
}

/** The threads 'auto' means in this environment, and why it is 1 if that is not the core count. */
export async function availableThreads(): Promise<ThreadSupport> {
  let cores = 1;
  if (inNode()) {
    const os = await import('node:os');
    cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  } else if (typeof navigator !== 'undefined') {
    cores = navigator.hardwareConcurrency ?? 1;
  }
  cores = Math.max(1, Math.min(MAX_THREADS, Math.floor(cores) || 1));
  if (sharedMemoryAvailable()) return { threads: cores, notice: null };
  return { threads: 1, notice: cores > 1 ? NOT_ISOLATED : null };
}

let warned = false;

/** A validated thread count for `option` (undefined: 1). */
export async function resolveThreads(option: ThreadsOption | undefined): Promise<number> {
  if (option === undefined) return 1;
  if (option === 'auto') {
    const { threads, notice } = await availableThreads();
    if (notice !== null && !warned) {
      warned = true;
      console.warn(`deeprnn: ${notice}`);
    }
    return threads;
  }
  check(
    Number.isInteger(option) && option >= 1 && option <= MAX_THREADS,
    `threads must be 'auto' or an integer in [1, ${MAX_THREADS}], got ${String(option)}`,
  );
  if (option > 1 && !sharedMemoryAvailable()) {
    throw new DeepRnnError('E_BAD_OPTION', `threads: ${option} is not possible here: ${NOT_ISOLATED}`);
  }
  return option;
}
