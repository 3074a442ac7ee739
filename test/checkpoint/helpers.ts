/**
 * Checkpoints for the tests, and a writer that lays a file out the way Python's `safetensors` package
 * does (tensors sorted by name, compact JSON, metadata keys in any order, optional header padding),
 * independent of src/checkpoint's writer.
 */
import type { Checkpoint } from '../../src/checkpoint/index.js';
import { initParameters, mix32, resolveConfig } from '../../src/model/params.js';
import type { ModelConfig, StateDict } from '../../src/model/types.js';
import { loadFixture, toStateDict } from '../helpers/fixtures.js';

export function vocabOf(size: number): string[] {
  return [
    '<unk>',
    ...Array.from({ length: size - 1 }, (_, i) => String.fromCharCode(97 + (i % 26)) + (i >= 26 ? String(i) : '')),
  ];
}

export function smallCheckpoint(config: ModelConfig): Checkpoint {
  const resolved = resolveConfig(config);
  return {
    config: resolved,
    vocab: vocabOf(resolved.vocabSize),
    text: { preprocess: 'd2l', tokenize: 'char' },
    params: initParameters(resolved),
  };
}

/** The d2l LSTM fixture's parameters (PyTorch 1.13) with d2l-style metadata. */
export function fixtureCheckpoint(name = 'model_lstm'): { ckpt: Checkpoint; config: Record<string, unknown> } {
  const fx = loadFixture(name);
  const m = fx.meta;
  const config = {
    cell: m.cell,
    nonlinearity: m.nonlinearity ?? 'tanh',
    layers: m.num_layers,
    hidden: m.hidden_size,
    vocab_size: m.vocab_size,
    dropout: 0,
  };
  const ckpt: Checkpoint = {
    config: resolveConfig({
      cell: m.cell,
      nonlinearity: config.nonlinearity,
      layers: m.num_layers,
      hidden: m.hidden_size,
      vocabSize: m.vocab_size,
    }),
    // A space and a non-ASCII token, which Python's json.dumps writes as \u00e9.
    vocab: [...vocabOf(m.vocab_size - 2), ' ', 'é'],
    text: { preprocess: 'd2l', tokenize: 'char' },
    params: toStateDict(fx.params),
  };
  return { ckpt, config };
}

/** Deterministic values that fill every tensor of a dict (for Adam moments). */
export function filledLike(dict: StateDict, salt: number): StateDict {
  const out: StateDict = {};
  let k = 0;
  for (const [name, t] of Object.entries(dict)) {
    out[name] = { shape: [...t.shape], data: t.data.map(() => (mix32(salt * 7919 + k++) >>> 8) / 16777216) };
  }
  return out;
}

export interface PyTensor {
  dtype: 'F32' | 'F64' | 'F16' | 'BF16' | 'I64';
  shape: number[];
  bytes: Uint8Array;
}

export function f32Bytes(data: Float32Array): Uint8Array {
  return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}

export function pyTensors(params: StateDict): Record<string, PyTensor> {
  const out: Record<string, PyTensor> = {};
  for (const [name, t] of Object.entries(params)) out[name] = { dtype: 'F32', shape: t.shape, bytes: f32Bytes(t.data) };
  return out;
}

/**
 * Like safetensors' `save_file`: data ordered by (dtype size descending, name), header compact JSON with
 * `__metadata__` first, spaces to an 8-byte boundary when `pad`.
 */
export function pythonStyleFile(
  tensors: Record<string, PyTensor>,
  metadata: Record<string, string>,
  pad = true,
): Uint8Array {
  const size = (d: string) => ({ F64: 8, I64: 8, F32: 4, F16: 2, BF16: 2 })[d] as number;
  const names = Object.keys(tensors).sort(
    (a, b) => size(tensors[b].dtype) - size(tensors[a].dtype) || (a < b ? -1 : a > b ? 1 : 0),
  );
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const n of names) {
    const t = tensors[n];
    header[n] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.length] };
    offset += t.bytes.length;
  }
  let json = JSON.stringify(header);
  if (pad) json += ' '.repeat((8 - (json.length % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const n of names) {
    out.set(tensors[n].bytes, at);
    at += tensors[n].bytes.length;
  }
  return out;
}

/** Splits a file into its header object and data section, and puts one back together (for header edits). */
export function splitFile(bytes: Uint8Array): { header: any; data: Uint8Array } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))), data: bytes.subarray(8 + n) };
}

export function joinFile(header: unknown, data: Uint8Array, headerText?: string): Uint8Array {
  const head = new TextEncoder().encode(headerText ?? JSON.stringify(header));
  const out = new Uint8Array(8 + head.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  out.set(data, 8 + head.length);
  return out;
}

/** Python's `json.dumps` for flat objects and arrays: ", " and ": " separators, non-ASCII as \uXXXX. */
export function pyDumps(value: unknown): string {
  const ascii = (s: string) =>
    JSON.stringify(s).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const one = (v: unknown) => (typeof v === 'string' ? ascii(v) : JSON.stringify(v));
  if (Array.isArray(value)) return `[${value.map(one).join(', ')}]`;
  return `{${Object.entries(value as object)
    .map(([k, v]) => `${ascii(k)}: ${one(v)}`)
    .join(', ')}}`;
}
