/**
 * The protobuf wire format (https://protobuf.dev/programming-guides/encoding/), as much of it as ONNX's
 * messages use: varints (int32/int64/enum, negative int64 as 10-byte two's complement), fixed32 floats,
 * length-delimited strings, bytes, nested messages and packed repeated scalars. Schema-free: a message
 * decodes to its fields by number, and onnx-proto.ts gives them their ONNX meaning.
 *
 * Every malformed input (a truncated field, an overlong varint, a length past the end, a wire type ONNX
 * never uses) is E_BAD_CHECKPOINT; nothing is allocated beyond the bytes present.
 */
import { badFile } from '../../checkpoint/safetensors.js';

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

/** One field occurrence: a varint's value, a fixed32/64's bytes, or a length-delimited payload (a view, no copy). */
export type FieldValue = { wire: 0; value: number } | { wire: 1 | 2 | 5; bytes: Uint8Array };

/** A decoded message: field number -> occurrences, in file order. */
export type Fields = Map<number, FieldValue[]>;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

export function decodeMessage(bytes: Uint8Array, what: string): Fields {
  const fields: Fields = new Map();
  let at = 0;
  while (at < bytes.length) {
    const [tag, afterTag] = readVarint(bytes, at, what);
    at = afterTag;
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (field === 0) throw badFile(`${what}: field number 0 is not valid protobuf`);
    let entry: FieldValue;
    if (wire === WIRE_VARINT) {
      const [value, next] = readVarint(bytes, at, what);
      entry = { wire, value };
      at = next;
    } else if (wire === WIRE_BYTES) {
      const [length, start] = readVarint(bytes, at, what);
      if (length < 0 || start + length > bytes.length)
        throw badFile(`${what}: field ${field} claims ${length} bytes, past the end of the data (truncated?)`);
      entry = { wire, bytes: bytes.subarray(start, start + length) };
      at = start + length;
    } else if (wire === WIRE_FIXED32 || wire === WIRE_FIXED64) {
      const size = wire === WIRE_FIXED32 ? 4 : 8;
      if (at + size > bytes.length) throw badFile(`${what}: field ${field} is truncated`);
      entry = { wire, bytes: bytes.subarray(at, at + size) };
      at += size;
    } else {
      throw badFile(
        `${what}: wire type ${wire} (field ${field}) is not one ONNX uses; the file is not ONNX or is damaged`,
      );
    }
    const list = fields.get(field);
    if (list) list.push(entry);
    else fields.set(field, [entry]);
  }
  return fields;
}

/** A varint as a JS number; int64 values outside ±2^53 are refused (no ONNX size or attribute needs them). */
function readVarint(bytes: Uint8Array, start: number, what: string): [number, number] {
  let value = 0;
  let scale = 1;
  let at = start;
  for (let i = 0; i < 10; i++) {
    if (at >= bytes.length) throw badFile(`${what}: a varint runs past the end of the data (truncated?)`);
    const b = bytes[at++];
    if (i < 7) {
      value += (b & 0x7f) * scale;
      scale *= 128;
      if (b < 0x80) return [value, at];
    } else {
      return readLongVarint(bytes, start, what);
    }
  }
  throw badFile(`${what}: a varint is longer than 10 bytes`);
}

/** The slow path for varints of 8+ bytes: negative int64 (two's complement) or large values. */
function readLongVarint(bytes: Uint8Array, start: number, what: string): [number, number] {
  let v = 0n;
  let at = start;
  for (let shift = 0n; shift < 70n; shift += 7n) {
    if (at >= bytes.length) throw badFile(`${what}: a varint runs past the end of the data (truncated?)`);
    const b = bytes[at++];
    v |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) {
      const signed = Number(BigInt.asIntN(64, v));
      if (!Number.isSafeInteger(signed)) throw badFile(`${what}: integer ${BigInt.asIntN(64, v)} is out of range`);
      return [signed, at];
    }
  }
  throw badFile(`${what}: a varint is longer than 10 bytes`);
}

/** Field accessors: each checks the wire type, so a file that is not what it claims fails with a message. */
export function bytesField(fields: Fields, n: number, what: string): Uint8Array[] {
  return (fields.get(n) ?? []).map((f) => {
    if (f.wire !== WIRE_BYTES) throw badFile(`${what}: field ${n} should be length-delimited`);
    return f.bytes;
  });
}

export function stringField(fields: Fields, n: number, what: string): string[] {
  return bytesField(fields, n, what).map((b) => {
    try {
      return utf8.decode(b);
    } catch {
      throw badFile(`${what}: field ${n} is not valid UTF-8`);
    }
  });
}

/** Repeated (or single) int fields, packed or not. */
export function intField(fields: Fields, n: number, what: string): number[] {
  const out: number[] = [];
  for (const f of fields.get(n) ?? []) {
    if (f.wire === WIRE_VARINT) out.push(f.value);
    else if (f.wire === WIRE_BYTES) {
      for (let at = 0; at < f.bytes.length; ) {
        const [v, next] = readVarint(f.bytes, at, what);
        out.push(v);
        at = next;
      }
    } else throw badFile(`${what}: field ${n} should be an integer`);
  }
  return out;
}

/** Repeated (or single) float fields (fixed32), packed or not. */
export function floatField(fields: Fields, n: number, what: string): number[] {
  return fixedField(fields, n, what, WIRE_FIXED32);
}

/** Repeated (or single) double fields (fixed64), packed or not. */
export function doubleField(fields: Fields, n: number, what: string): number[] {
  return fixedField(fields, n, what, WIRE_FIXED64);
}

function fixedField(fields: Fields, n: number, what: string, wire: 1 | 5): number[] {
  const size = wire === WIRE_FIXED32 ? 4 : 8;
  const kind = size === 4 ? 'float' : 'double';
  const out: number[] = [];
  for (const f of fields.get(n) ?? []) {
    if (f.wire !== wire && f.wire !== WIRE_BYTES) throw badFile(`${what}: field ${n} should be a ${kind}`);
    if (f.bytes.length % size !== 0)
      throw badFile(`${what}: packed ${kind}s in field ${n} are not a multiple of ${size} bytes`);
    const view = new DataView(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength);
    for (let i = 0; i < f.bytes.length; i += size)
      out.push(size === 4 ? view.getFloat32(i, true) : view.getFloat64(i, true));
  }
  return out;
}

/** Appends fields to a growing buffer; `message()` nests a sub-message written by a callback. */
export class ProtoWriter {
  private buf = new Uint8Array(1024);
  private length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  private varint(value: number): void {
    if (value < 0) {
      // int64 two's complement: always 10 bytes.
      let v = BigInt.asUintN(64, BigInt(value));
      this.reserve(10);
      for (let i = 0; i < 10; i++) {
        const b = Number(v & 0x7fn);
        v >>= 7n;
        this.buf[this.length++] = v === 0n ? b : b | 0x80;
        if (v === 0n) return;
      }
      return;
    }
    this.reserve(10);
    let v = value;
    while (v >= 0x80) {
      this.buf[this.length++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.length++] = v;
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  int(field: number, value: number): this {
    this.tag(field, WIRE_VARINT);
    this.varint(value);
    return this;
  }

  /** Repeated ints, one tag each (ONNX's proto2 `dims` and attribute `ints` are not packed). */
  ints(field: number, values: readonly number[]): this {
    for (const v of values) this.int(field, v);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    this.reserve(4);
    new DataView(this.buf.buffer).setFloat32(this.length, value, true);
    this.length += 4;
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_BYTES);
    this.varint(value.length);
    this.reserve(value.length);
    this.buf.set(value, this.length);
    this.length += value.length;
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, utf8Encoder.encode(value));
  }

  message(field: number, write: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    write(inner);
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array<ArrayBuffer> {
    return this.buf.slice(0, this.length);
  }
}
