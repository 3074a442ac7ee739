/**
 * The safetensors container (https://github.com/huggingface/safetensors), independent of what deeprnn
 * stores in it:
 *
 *   [u64 little-endian N] [N bytes of UTF-8 JSON header, right-padded with spaces] [data section]
 *
 * The header maps tensor names to {dtype, shape, data_offsets: [begin, end]} (offsets relative to the
 * data section) plus an optional `__metadata__` object of string -> string. The reader follows the
 * reference implementation's rules: the tensors must tile the data section exactly (sorted by offset,
 * no gap, no overlap, nothing left over), and each byte range must equal dtype size * element count.
 *
 * Every malformed input is a DeepRnnError E_BAD_CHECKPOINT, and nothing is allocated before the sizes it
 * depends on were checked against the bytes actually present, so a hostile header cannot request memory
 * beyond (a small multiple of) the file's size.
 */
import { DeepRnnError } from '../errors.js';
import { fromF16Bits } from '../model/quantize.js';

export type Dtype =
  | 'BOOL'
  | 'U8'
  | 'I8'
  | 'F8_E5M2'
  | 'F8_E4M3'
  | 'I16'
  | 'U16'
  | 'F16'
  | 'BF16'
  | 'I32'
  | 'U32'
  | 'F32'
  | 'F64'
  | 'I64'
  | 'U64';

const DTYPE_SIZE: Record<Dtype, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};

/** The reference implementation refuses headers over 100 MB; so do we, before decoding any of it. */
export const MAX_HEADER_BYTES = 100_000_000;

/** One tensor as stored: `bytes` is a view into the file (no copy). */
export interface RawTensor {
  dtype: Dtype;
  shape: number[];
  bytes: Uint8Array;
}

export interface SafetensorsFile {
  metadata: Record<string, string>;
  /** In data-section order. */
  tensors: Map<string, RawTensor>;
}

/** A tensor to write: F32 from a Float32Array, I8 from an Int8Array, F16 from a Uint16Array of f16 bits. */
export interface TensorEntry {
  name: string;
  shape: number[];
  data: Float32Array | Int8Array | Uint16Array;
}

function dtypeOf(data: TensorEntry['data']): Dtype {
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof Int8Array) return 'I8';
  return 'F16';
}

export function badFile(message: string): DeepRnnError {
  return new DeepRnnError('E_BAD_CHECKPOINT', message);
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Writes tensors in the given order. The header is compact JSON with `__metadata__` first, padded with
 * spaces so that the data section starts 8-byte aligned (as safetensors >= 0.3 writes it).
 */
export function encodeSafetensors(entries: TensorEntry[], metadata: Record<string, string>): Uint8Array<ArrayBuffer> {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const { name, shape, data } of entries) {
    if (name === '__metadata__' || Object.hasOwn(header, name)) {
      throw badFile(`cannot write two tensors named '${name}'`);
    }
    const count = shape.reduce((a, b) => a * b, 1);
    if (count !== data.length)
      throw badFile(`tensor '${name}' has ${data.length} values but shape ${JSON.stringify(shape)}`);
    header[name] = { dtype: dtypeOf(data), shape, data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength, true);
  view.setUint32(4, Math.floor(headerLength / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const { data } of entries) {
    if (littleEndian || data instanceof Int8Array) {
      out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    } else if (data instanceof Float32Array) {
      for (let i = 0; i < data.length; i++) view.setFloat32(at + 4 * i, data[i], true);
    } else {
      for (let i = 0; i < data.length; i++) view.setUint16(at + 2 * i, data[i], true);
    }
    at += data.byteLength;
  }
  return out;
}

export function decodeSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (!(bytes instanceof Uint8Array)) throw badFile('a checkpoint must be given as a Uint8Array');
  if (bytes.length < 8) throw badFile(`file is truncated: ${bytes.length} bytes, the header length alone takes 8`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (headerLength > bytes.length - 8) {
    throw badFile(
      `header length ${headerLength} is larger than the ${bytes.length - 8} bytes that follow it (file truncated or not safetensors)`,
    );
  }
  if (headerLength > MAX_HEADER_BYTES)
    throw badFile(`header length ${headerLength} exceeds the limit of ${MAX_HEADER_BYTES} bytes`);
  if (headerLength < 2) throw badFile(`header length ${headerLength} is too small for a JSON object`);

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    throw badFile('header is not valid UTF-8');
  }
  if (text[0] !== '{')
    throw badFile(`header must be a JSON object starting with '{', got ${JSON.stringify(text.slice(0, 16))}`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw badFile(`header is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw badFile('header must be a JSON object');

  const data = bytes.subarray(8 + headerLength);
  const metadata = readMetadata((header as Record<string, unknown>).__metadata__);
  const entries: Array<{ name: string; dtype: Dtype; shape: number[]; begin: number; end: number }> = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') continue;
    entries.push({ name, ...readTensorInfo(name, info) });
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);

  for (const e of entries) {
    if (e.end > data.length)
      throw badFile(
        `tensor '${e.name}' bytes [${e.begin}, ${e.end}) run past the data section of ${data.length} bytes (file truncated?)`,
      );
  }
  const tensors = new Map<string, RawTensor>();
  let expected = 0;
  for (const e of entries) {
    if (e.begin < expected)
      throw badFile(
        `tensor '${e.name}' bytes [${e.begin}, ${e.end}) overlap the previous tensor, which ends at ${expected}`,
      );
    if (e.begin > expected)
      throw badFile(
        `tensor '${e.name}' starts at ${e.begin}, leaving a gap after byte ${expected} of the data section`,
      );
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, bytes: data.subarray(e.begin, e.end) });
    expected = e.end;
  }
  if (expected !== data.length)
    throw badFile(`data section has ${data.length} bytes but the tensors cover ${expected}`);
  return { metadata, tensors };
}

function readMetadata(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw badFile('__metadata__ must be an object of strings');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== 'string') throw badFile(`__metadata__.${k} must be a string, got ${describe(v)}`);
    out[k] = v;
  }
  return out;
}

function readTensorInfo(name: string, info: unknown): { dtype: Dtype; shape: number[]; begin: number; end: number } {
  if (typeof info !== 'object' || info === null || Array.isArray(info))
    throw badFile(`tensor '${name}' must be described by an object`);
  const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
  if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_SIZE, dtype)) {
    throw badFile(`tensor '${name}' has unknown dtype ${describe(dtype)}`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw badFile(`tensor '${name}' shape must be an array of non-negative integers, got ${describe(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    throw badFile(
      `tensor '${name}' data_offsets must be [begin, end] with non-negative integers, got ${describe(offsets)}`,
    );
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) throw badFile(`tensor '${name}' data_offsets [${begin}, ${end}] end before they begin`);
  let count = 1;
  for (const d of shape as number[]) {
    count *= d;
    if (!Number.isSafeInteger(count))
      throw badFile(`tensor '${name}' shape ${JSON.stringify(shape)} has too many elements`);
  }
  const size = DTYPE_SIZE[dtype as Dtype];
  if (count * size !== end - begin) {
    throw badFile(
      `tensor '${name}' (${dtype}, shape ${JSON.stringify(shape)}) needs ${count * size} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`,
    );
  }
  return { dtype: dtype as Dtype, shape: [...(shape as number[])], begin, end };
}

function describe(v: unknown): string {
  const s = JSON.stringify(v);
  if (s === undefined) return String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/**
 * Copies a float tensor to a new Float32Array. F32 keeps every bit (NaN payloads included); F64, F16 and
 * BF16 are converted (round to nearest). Other dtypes are refused, naming `what`.
 */
export function toFloat32(t: RawTensor, what: string): Float32Array {
  const { bytes } = t;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (t.dtype) {
    case 'F32': {
      const out = new Float32Array(bytes.length / 4);
      if (littleEndian) new Uint8Array(out.buffer).set(bytes);
      else for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
      return out;
    }
    case 'F64': {
      const out = new Float32Array(bytes.length / 8);
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(8 * i, true);
      return out;
    }
    case 'BF16': {
      const out = new Float32Array(bytes.length / 2);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < out.length; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      return out;
    }
    case 'F16': {
      const out = new Float32Array(bytes.length / 2);
      for (let i = 0; i < out.length; i++) out[i] = fromF16Bits(view.getUint16(2 * i, true));
      return out;
    }
    default:
      throw badFile(
        `${what} has dtype ${t.dtype}; deeprnn reads F32 (or F64, F16, BF16), and I8 in int8 checkpoints (metadata quantization "int8")`,
      );
  }
}
