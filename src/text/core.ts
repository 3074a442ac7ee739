/**
 * Instantiates build/text.wasm (as the build provides it: src/wasm/modules.ts) and moves bytes in and typed
 * arrays out, so no other module touches WASM memory. Each call allocates its inputs, runs one entry
 * point, copies the outputs into JS-owned arrays and frees everything in `finally`.
 */
import { DeepRnnError, type ErrorCode, wasmInstantiationError } from '../errors.js';
import { textWasm } from '../wasm/modules.js';

/** The raw exports of assembly/text/index.ts (pointers and lengths are plain numbers). */
export interface TextExports {
  memory: WebAssembly.Memory;
  alloc(size: number): number;
  free(ptr: number): void;
  out_ptr(k: number): number;
  out_len(k: number): number;
  scalar(k: number): number;
  release(): void;
  text_preprocess(src: number, n: number, mode: number): number;
  text_tokenize(src: number, n: number, mode: number, level: number, newlines: boolean): number;
  vocab_build_text(
    src: number,
    n: number,
    mode: number,
    level: number,
    newlines: boolean,
    minFreq: number,
    resBlob: number,
    resOffsets: number,
    nRes: number,
    maxTokens: number,
  ): number;
  vocab_build_tokens(
    blob: number,
    offsets: number,
    nTok: number,
    minFreq: number,
    resBlob: number,
    resOffsets: number,
    nRes: number,
  ): number;
  vocab_load(blob: number, offsets: number, size: number): number;
  vocab_encode(src: number, n: number, mode: number, level: number, newlines: boolean): number;
  vocab_decode(ids: number, n: number, sep: number): number;
  batches(
    corpus: number,
    n: number,
    batch: number,
    steps: number,
    partition: number,
    seed: number,
    epoch: number,
    offset: number,
  ): number;
  sample(
    logits: number,
    rows: number,
    vocab: number,
    greedy: boolean,
    temperature: number,
    topK: number,
    topP: number,
    seed: number,
    counter: number,
  ): number;
  rng_mix32(x: number): number;
}

let core: TextExports | undefined;
let loading: Promise<TextExports> | undefined;

/** Largest UTF-8 input one call takes: the core needs about 8 bytes of WASM memory per input byte, of 4 GiB. */
export const MAX_TEXT_BYTES = 128 * 1024 * 1024;

/** An AssemblyScript string (UTF-16, byte length at ptr - 4) from the core's memory. */
function readAsString(ptr: number): string {
  if (core === undefined || ptr === 0) return '';
  const bytes = new Uint32Array(core.memory.buffer, ptr - 4, 1)[0];
  return String.fromCharCode(...new Uint16Array(core.memory.buffer, ptr, bytes >>> 1));
}

const imports = {
  env: {
    // Reached only when the core runs out of memory or hits a bug, never through input it validates.
    // The instance may be left inconsistent, so it is dropped and the next call starts a fresh one.
    abort(msg: number, _file: number, line: number, column: number): never {
      const text = readAsString(msg);
      core = undefined;
      loading = undefined;
      if (/memory|allocation/i.test(text))
        throw new DeepRnnError('E_TOO_LARGE', `the text core ran out of memory (${text})`);
      throw new Error(`deeprnn text core aborted at ${line}:${column}: ${text}`);
    },
  },
};

/**
 * Compiles and instantiates the text core once. Browsers refuse synchronous compilation of modules over
 * 4 KB on the main thread, so there call this (or any async deeprnn function) before the sync text API;
 * Node and workers may skip it.
 */
export async function loadTextCore(): Promise<void> {
  if (core !== undefined) return;
  loading ??= textWasm
    .module()
    .then((module) => WebAssembly.instantiate(module, imports))
    .then(
      (instance) => instance.exports as unknown as TextExports,
      (error: unknown) => {
        loading = undefined; // a later call may try again
        throw wasmInstantiationError(error, 'text core');
      },
    );
  core = await loading;
}

/** The instantiated core, compiling it synchronously where the platform allows. */
export function textCore(): TextExports {
  if (core !== undefined) return core;
  try {
    const instance = new WebAssembly.Instance(textWasm.moduleSync(), imports);
    core = instance.exports as unknown as TextExports;
    return core;
  } catch (error) {
    const memory = wasmInstantiationError(error, 'text core');
    if (memory !== error) throw memory;
    throw new DeepRnnError(
      'E_BAD_OPTION',
      'the text core cannot be compiled synchronously here: await loadTextCore() first',
      { cause: error },
    );
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** A scope for one core call: dispose() frees the inputs it allocated and releases the outputs. */
export class CoreCall {
  private readonly owned: number[] = [];

  constructor(readonly wasm: TextExports) {}

  /** Copies `text` (a string as UTF-8, or bytes as they are) into the module; returns [ptr, byteLength]. */
  text(text: string | Uint8Array): [number, number] {
    if (typeof text === 'string' && text.length * 3 > MAX_TEXT_BYTES) text = encoder.encode(text);
    if (typeof text !== 'string') {
      if (text.length > MAX_TEXT_BYTES) {
        throw new DeepRnnError(
          'E_TOO_LARGE',
          `a text of ${text.length} bytes is over the ${MAX_TEXT_BYTES}-byte limit of the text core`,
        );
      }
      return [this.bytes(text), text.length];
    }
    const capacity = text.length * 3;
    const ptr = this.alloc(capacity);
    const { written } = encoder.encodeInto(text, new Uint8Array(this.wasm.memory.buffer, ptr, capacity));
    return [ptr, written];
  }

  bytes(data: Uint8Array): number {
    const ptr = this.alloc(data.length);
    new Uint8Array(this.wasm.memory.buffer, ptr, data.length).set(data);
    return ptr;
  }

  i32(data: Int32Array | Uint32Array): number {
    const ptr = this.alloc(data.length * 4);
    new Int32Array(this.wasm.memory.buffer, ptr, data.length).set(data);
    return ptr;
  }

  f32(data: Float32Array): number {
    const ptr = this.alloc(data.length * 4);
    new Float32Array(this.wasm.memory.buffer, ptr, data.length).set(data);
    return ptr;
  }

  /** Tokens as one UTF-8 blob and n + 1 byte offsets: [blobPtr, offsetsPtr]. */
  strings(list: readonly string[]): [number, number] {
    const parts = list.map((s) => encoder.encode(s));
    const offsets = new Int32Array(parts.length + 1);
    for (let i = 0; i < parts.length; i++) offsets[i + 1] = offsets[i] + parts[i].length;
    const blob = this.alloc(offsets[parts.length]);
    const view = new Uint8Array(this.wasm.memory.buffer, blob, offsets[parts.length]);
    parts.forEach((p, i) => {
      view.set(p, offsets[i]);
    });
    return [blob, this.i32(offsets)];
  }

  outBytes(k: number): Uint8Array {
    return new Uint8Array(this.wasm.memory.buffer, this.wasm.out_ptr(k), this.wasm.out_len(k)).slice();
  }

  outString(k: number): string {
    return decoder.decode(new Uint8Array(this.wasm.memory.buffer, this.wasm.out_ptr(k), this.wasm.out_len(k)));
  }

  outI32(k: number): Int32Array {
    return new Int32Array(this.wasm.memory.buffer, this.wasm.out_ptr(k), this.wasm.out_len(k)).slice();
  }

  outF32(k: number): Float32Array {
    return new Float32Array(this.wasm.memory.buffer, this.wasm.out_ptr(k), this.wasm.out_len(k)).slice();
  }

  private alloc(bytes: number): number {
    const ptr = this.wasm.alloc(bytes);
    this.owned.push(ptr);
    return ptr;
  }

  dispose(): void {
    for (const ptr of this.owned) this.wasm.free(ptr);
    this.owned.length = 0;
    this.wasm.release();
  }
}

/** Runs `body` with a fresh call scope on the core, freeing its inputs and outputs afterwards. */
export function withCore<T>(body: (call: CoreCall) => T): T {
  const call = new CoreCall(textCore());
  try {
    return body(call);
  } catch (error) {
    // The allocator traps (`unreachable`) when memory cannot grow; the instance is then unusable.
    if (error instanceof WebAssembly.RuntimeError) {
      if (core === call.wasm) core = undefined;
      loading = undefined;
      if (/unreachable/.test(error.message))
        throw new DeepRnnError('E_TOO_LARGE', 'the text core ran out of memory', { cause: error });
    }
    throw error;
  } finally {
    if (core === call.wasm) call.dispose(); // else the instance was dropped, and its memory with it
  }
}

/** Decodes UTF-8 the way every text output is decoded (a BOM is kept as U+FEFF, not dropped). */
export function decodeUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

const statusCodes: Record<number, ErrorCode> = {
  [-1]: 'E_EMPTY_CORPUS',
  [-2]: 'E_BAD_VOCAB',
  [-3]: 'E_TOKEN_RANGE',
  [-4]: 'E_BAD_LOGITS',
  [-5]: 'E_CORPUS_TOO_SMALL',
};

/** Throws the DeepRnnError for a negative status (assembly/text/status.ts); `describe` gets scalar 0. */
export function checkStatus(call: CoreCall, status: number, describe: (code: ErrorCode, at: number) => string): void {
  if (status >= 0) return;
  const code = statusCodes[status] ?? 'E_BAD_OPTION';
  throw new DeepRnnError(code, describe(code, call.wasm.scalar(0)));
}
