/**
 * Every error deeprnn throws is a DeepRnnError with a stable `code`, so callers can branch on the code
 * rather than on message text.
 */
export type ErrorCode =
  | 'E_BAD_OPTION' // an option or argument has the wrong type or is out of range
  | 'E_BAD_SHAPE' // a tensor or batch does not have the shape the model expects
  | 'E_TOKEN_RANGE' // a token id outside [0, vocabSize)
  | 'E_EMPTY_CORPUS' // a text that is empty or preprocesses to nothing
  | 'E_CORPUS_TOO_SMALL' // fewer tokens than one batch needs
  | 'E_BAD_LOGITS' // logits holding NaN or +-Infinity
  | 'E_BAD_VOCAB' // a vocabulary (or its JSON) that is malformed
  | 'E_STATE_DICT' // a state dict with missing, extra or wrongly shaped tensors
  | 'E_BAD_CHECKPOINT' // a checkpoint file that is truncated, malformed or inconsistent
  | 'E_NO_WEBGPU' // WebGPU is not available in this environment
  | 'E_NO_ADAPTER' // WebGPU exists but no adapter was found
  | 'E_DEVICE_LOST' // the GPU device was lost
  | 'E_WORKER_FAILED' // a worker thread of a multi-threaded WASM model failed or died
  | 'E_TOO_LARGE' // a tensor exceeds a device or memory limit
  | 'E_DISPOSED' // a model used after dispose()
  | 'E_NOT_FINITE' // training produced a NaN or infinite loss
  | 'E_QUANTIZED' // training asked of a model loaded from an int8 or f16 checkpoint
  | 'E_DOWNLOAD' // a file could not be fetched
  | 'E_CHECKSUM' // a downloaded or cached file failed its checksum
  | 'E_IO' // a file could not be read or written
  | 'E_ABORTED'; // an operation was cancelled through an AbortSignal

export class DeepRnnError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DeepRnnError';
    this.code = code;
  }
}

/**
 * Throws E_BAD_OPTION unless `ok`; keeps argument checks to one line each. Checks made every step pass
 * the message as a function, so that passing costs no string building.
 */
export function check(ok: boolean, message: string | (() => string), code: ErrorCode = 'E_BAD_OPTION'): asserts ok {
  if (!ok) throw new DeepRnnError(code, typeof message === 'string' ? message : message());
}

/** A typo in an option name (learningRate, top_k) is E_BAD_OPTION naming it, never silently ignored. */
export function checkOptionNames(options: object, known: Iterable<string>, what: string): void {
  const names = new Set(known);
  for (const key of Object.keys(options)) {
    check(names.has(key), `unknown ${what} option '${key}' (known: ${[...names].join(', ')})`);
  }
}

/**
 * V8 reserves ~10 GiB of address space per WebAssembly memory (guard regions for bounds checks), so a
 * virtual-memory limit (ulimit -v, a container's address-space cap) makes instantiation fail with a raw
 * RangeError before any model exists. Such an error becomes E_TOO_LARGE saying so; others pass through.
 */
export function wasmInstantiationError(error: unknown, what: string): unknown {
  if (!(error instanceof RangeError) || !/out of memory/i.test(error.message)) return error;
  return new DeepRnnError(
    'E_TOO_LARGE',
    `could not reserve memory for the ${what} (${error.message}); each WebAssembly memory needs about 10 GiB of address space: raise the virtual-memory limit (ulimit -v)`,
    { cause: error },
  );
}
