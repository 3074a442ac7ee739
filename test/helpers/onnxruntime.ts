/**
 * ONNX Runtime Web (the onnxruntime-web devDependency) in Node: its WASM CPU backend, single-threaded
 * (no worker threads to tear down), running exported graphs as an independent implementation.
 */
import * as ort from 'onnxruntime-web';

ort.env.wasm.numThreads = 1;

export interface OrtOutputs {
  logits: Float32Array;
  logitsDims: readonly number[];
  hn: Float32Array;
  cn?: Float32Array;
}

export async function ortSession(model: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(model);
}

/** Runs a deeprnn-style graph: ids (batch, seq) row-major, states (layers, batch, hidden). */
export async function ortRun(
  session: ort.InferenceSession,
  ids: Int32Array,
  [batch, seq]: [number, number],
  state: { h: Float32Array; c?: Float32Array },
  [layers, hidden]: [number, number],
): Promise<OrtOutputs> {
  const dims = [layers, batch, hidden];
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor(
      'int64',
      BigInt64Array.from(ids, (i) => BigInt(i)),
      [batch, seq],
    ),
    h0: new ort.Tensor('float32', state.h, dims),
  };
  if (state.c) feeds.c0 = new ort.Tensor('float32', state.c, dims);
  const out = await session.run(feeds);
  return {
    logits: out.logits.data as Float32Array,
    logitsDims: out.logits.dims,
    hn: out.hn.data as Float32Array,
    cn: out.cn?.data as Float32Array | undefined,
  };
}

/** (batch, seq, vocab) batch-major logits as deeprnn's time-major (seq*batch, vocab) rows. */
export function toTimeMajor(logits: Float32Array, batch: number, seq: number, vocab: number): Float32Array {
  const out = new Float32Array(logits.length);
  for (let b = 0; b < batch; b++)
    for (let t = 0; t < seq; t++)
      out.set(logits.subarray((b * seq + t) * vocab, (b * seq + t + 1) * vocab), (t * batch + b) * vocab);
  return out;
}
