/**
 * The subset of onnx.proto (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto, proto2) that a
 * recurrent language model needs, with its field numbers: ModelProto, OperatorSetIdProto, GraphProto,
 * NodeProto, AttributeProto, TensorProto, ValueInfoProto/TypeProto (tensors only) and the metadata
 * entries. Fields outside it are skipped on reading (doc strings, value_info, ...); the ones that would
 * change what a graph computes (functions, sparse or external tensors, subgraph attributes) are refused.
 */
import { badFile } from '../../checkpoint/safetensors.js';
import {
  ProtoWriter,
  bytesField,
  decodeMessage,
  doubleField,
  floatField,
  intField,
  stringField,
  type Fields,
} from './protobuf.js';

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7, DOUBLE: 11 } as const;

/** AttributeProto.AttributeType values. */
export const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  /** Little-endian values (how torch and deeprnn write them); or the typed fields below. */
  rawData?: Uint8Array;
  floatData?: number[];
  int32Data?: number[];
  int64Data?: number[];
  doubleData?: number[];
}

export interface OnnxAttribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: string;
  t?: OnnxTensor;
  floats?: number[];
  ints?: number[];
  strings?: string[];
}

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  input: string[];
  output: string[];
  attribute: OnnxAttribute[];
}

/** A tensor-typed graph input or output; a dimension is a size, a symbolic name, or unknown (null). */
export interface OnnxValueInfo {
  name: string;
  elemType: number;
  shape: Array<number | string | null>;
}

export interface OnnxGraph {
  name: string;
  node: OnnxNode[];
  initializer: OnnxTensor[];
  input: OnnxValueInfo[];
  output: OnnxValueInfo[];
}

export interface OnnxModel {
  irVersion: number;
  opsetImport: Array<{ domain: string; version: number }>;
  producerName: string;
  producerVersion: string;
  graph: OnnxGraph;
  metadataProps: Record<string, string>;
}

// ---- writing ----------------------------------------------------------------------------------------

export function encodeModel(m: OnnxModel): Uint8Array<ArrayBuffer> {
  const w = new ProtoWriter().int(1, m.irVersion).string(2, m.producerName).string(3, m.producerVersion);
  w.message(7, (g) => writeGraph(g, m.graph));
  for (const o of m.opsetImport) w.message(8, (x) => x.string(1, o.domain).int(2, o.version));
  for (const [key, value] of Object.entries(m.metadataProps)) w.message(14, (x) => x.string(1, key).string(2, value));
  return w.finish();
}

function writeGraph(w: ProtoWriter, g: OnnxGraph): void {
  for (const n of g.node) w.message(1, (x) => writeNode(x, n));
  w.string(2, g.name);
  for (const t of g.initializer) w.message(5, (x) => writeTensor(x, t));
  for (const v of g.input) w.message(11, (x) => writeValueInfo(x, v));
  for (const v of g.output) w.message(12, (x) => writeValueInfo(x, v));
}

function writeNode(w: ProtoWriter, n: OnnxNode): void {
  for (const i of n.input) w.string(1, i);
  for (const o of n.output) w.string(2, o);
  w.string(3, n.name).string(4, n.opType);
  for (const a of n.attribute) w.message(5, (x) => writeAttribute(x, a));
  if (n.domain) w.string(7, n.domain);
}

function writeAttribute(w: ProtoWriter, a: OnnxAttribute): void {
  w.string(1, a.name);
  if (a.f !== undefined) w.float(2, a.f);
  if (a.i !== undefined) w.int(3, a.i);
  if (a.s !== undefined) w.string(4, a.s);
  if (a.t !== undefined) w.message(5, (x) => writeTensor(x, a.t!));
  for (const f of a.floats ?? []) w.float(7, f);
  if (a.ints) w.ints(8, a.ints);
  for (const s of a.strings ?? []) w.string(9, s);
  w.int(20, a.type);
}

function writeTensor(w: ProtoWriter, t: OnnxTensor): void {
  w.ints(1, t.dims).int(2, t.dataType).string(8, t.name);
  if (t.rawData) w.bytes(9, t.rawData);
}

function writeValueInfo(w: ProtoWriter, v: OnnxValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.elemType);
      tensor.message(2, (shape) => {
        for (const d of v.shape)
          shape.message(1, (dim) => {
            if (typeof d === 'number') dim.int(1, d);
            else if (typeof d === 'string') dim.string(2, d);
          });
      });
    }),
  );
}

// ---- reading ----------------------------------------------------------------------------------------

export function decodeModel(bytes: Uint8Array): OnnxModel {
  const f = decodeMessage(bytes, 'ONNX ModelProto');
  const graphs = bytesField(f, 7, 'ModelProto.graph');
  if (graphs.length !== 1) throw badFile(`an ONNX model holds one graph, this file ${graphs.length}`);
  if (f.has(25)) throw badFile('ONNX model-local functions are not supported (deeprnn runs standard ops only)');
  const metadataProps: Record<string, string> = {};
  for (const entry of bytesField(f, 14, 'ModelProto.metadata_props')) {
    const e = decodeMessage(entry, 'metadata_props entry');
    metadataProps[one(stringField(e, 1, 'metadata key'), '')] = one(stringField(e, 2, 'metadata value'), '');
  }
  return {
    irVersion: one(intField(f, 1, 'ModelProto.ir_version'), 0),
    producerName: one(stringField(f, 2, 'ModelProto.producer_name'), ''),
    producerVersion: one(stringField(f, 3, 'ModelProto.producer_version'), ''),
    opsetImport: bytesField(f, 8, 'ModelProto.opset_import').map((b) => {
      const o = decodeMessage(b, 'OperatorSetIdProto');
      return { domain: one(stringField(o, 1, 'opset domain'), ''), version: one(intField(o, 2, 'opset version'), 0) };
    }),
    graph: readGraph(decodeMessage(graphs[0], 'GraphProto')),
    metadataProps,
  };
}

/** The last occurrence of a singular field wins (protobuf's rule), or `fallback` when absent. */
function one<T>(values: T[], fallback: T): T {
  return values.length > 0 ? values[values.length - 1] : fallback;
}

function readGraph(f: Fields): OnnxGraph {
  if (f.has(15)) throw badFile('sparse initializers are not supported');
  return {
    name: one(stringField(f, 2, 'GraphProto.name'), ''),
    node: bytesField(f, 1, 'GraphProto.node').map((b) => readNode(decodeMessage(b, 'NodeProto'))),
    initializer: bytesField(f, 5, 'GraphProto.initializer').map((b) => readTensor(decodeMessage(b, 'TensorProto'))),
    input: bytesField(f, 11, 'GraphProto.input').map((b) => readValueInfo(decodeMessage(b, 'ValueInfoProto'))),
    output: bytesField(f, 12, 'GraphProto.output').map((b) => readValueInfo(decodeMessage(b, 'ValueInfoProto'))),
  };
}

function readNode(f: Fields): OnnxNode {
  const opType = one(stringField(f, 4, 'NodeProto.op_type'), '');
  return {
    name: one(stringField(f, 3, 'NodeProto.name'), ''),
    opType,
    domain: one(stringField(f, 7, 'NodeProto.domain'), ''),
    input: stringField(f, 1, `${opType} inputs`),
    output: stringField(f, 2, `${opType} outputs`),
    attribute: bytesField(f, 5, `${opType} attributes`).map((b) => readAttribute(decodeMessage(b, 'AttributeProto'))),
  };
}

function readAttribute(f: Fields): OnnxAttribute {
  const name = one(stringField(f, 1, 'AttributeProto.name'), '');
  const what = `attribute '${name}'`;
  const type = one(intField(f, 20, what), 0);
  if (type === AttrType.GRAPH || f.has(6) || f.has(11))
    throw badFile(`${what} holds a subgraph (control flow), which deeprnn does not run`);
  const a: OnnxAttribute = { name, type };
  if (f.has(2)) a.f = one(floatField(f, 2, what), 0);
  if (f.has(3)) a.i = one(intField(f, 3, what), 0);
  if (f.has(4)) a.s = one(stringField(f, 4, what), '');
  if (f.has(5)) a.t = readTensor(decodeMessage(one(bytesField(f, 5, what), new Uint8Array()), 'TensorProto'));
  if (f.has(7)) a.floats = floatField(f, 7, what);
  if (f.has(8)) a.ints = intField(f, 8, what);
  if (f.has(9)) a.strings = stringField(f, 9, what);
  return a;
}

function readTensor(f: Fields): OnnxTensor {
  const name = one(stringField(f, 8, 'TensorProto.name'), '');
  const what = `tensor '${name}'`;
  if (f.has(13) || one(intField(f, 14, what), 0) === 1)
    throw badFile(`${what} keeps its data in an external file; save the model with its data inside`);
  const t: OnnxTensor = { name, dims: intField(f, 1, what), dataType: one(intField(f, 2, what), 0) };
  if (f.has(9)) t.rawData = one(bytesField(f, 9, what), new Uint8Array());
  if (f.has(4)) t.floatData = floatField(f, 4, what);
  if (f.has(5)) t.int32Data = intField(f, 5, what);
  if (f.has(7)) t.int64Data = intField(f, 7, what);
  if (f.has(10)) t.doubleData = doubleField(f, 10, what);
  return t;
}

function readValueInfo(f: Fields): OnnxValueInfo {
  const name = one(stringField(f, 1, 'ValueInfoProto.name'), '');
  const what = `graph input/output '${name}'`;
  const info: OnnxValueInfo = { name, elemType: 0, shape: [] };
  const type = bytesField(f, 2, what);
  if (type.length === 0) return info;
  const tensor = bytesField(decodeMessage(one(type, new Uint8Array()), what), 1, what);
  if (tensor.length === 0) throw badFile(`${what} is not a tensor (sequences and maps are not supported)`);
  const t = decodeMessage(one(tensor, new Uint8Array()), what);
  info.elemType = one(intField(t, 1, what), 0);
  for (const shape of bytesField(t, 2, what)) {
    for (const dim of bytesField(decodeMessage(shape, what), 1, what)) {
      const d = decodeMessage(dim, what);
      info.shape.push(d.has(1) ? one(intField(d, 1, what), 0) : d.has(2) ? one(stringField(d, 2, what), '') : null);
    }
  }
  return info;
}

// ---- tensor values ----------------------------------------------------------------------------------

const elementCount = (dims: number[]): number => dims.reduce((a, b) => a * b, 1);

/** A FLOAT (or DOUBLE) tensor's values as float32, checked against its dims. */
export function tensorFloats(t: OnnxTensor, what: string): Float32Array {
  const count = elementCount(t.dims);
  const double = t.dataType === DataType.DOUBLE;
  if (t.dataType !== DataType.FLOAT && !double)
    throw badFile(`${what} has ONNX data type ${t.dataType}; deeprnn reads float32 (1) or float64 (11) weights`);
  if (t.rawData) {
    const size = double ? 8 : 4;
    if (t.rawData.length !== count * size) throw sizeMismatch(what, t, t.rawData.length / size);
    const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = double ? view.getFloat64(8 * i, true) : view.getFloat32(4 * i, true);
    return out;
  }
  const out = Float32Array.from((double ? t.doubleData : t.floatData) ?? []);
  if (out.length !== count) throw sizeMismatch(what, t, out.length);
  return out;
}

/** An integer (INT64 or INT32) tensor's values, e.g. a Constant's axes or a OneHot depth. */
export function tensorInts(t: OnnxTensor, what: string): number[] {
  const count = elementCount(t.dims);
  let out: number[];
  if (t.dataType === DataType.INT64 && t.rawData) {
    if (t.rawData.length !== count * 8) throw sizeMismatch(what, t, t.rawData.length / 8);
    const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
    out = Array.from({ length: count }, (_, i) => Number(view.getBigInt64(8 * i, true)));
  } else if (t.dataType === DataType.INT32 && t.rawData) {
    if (t.rawData.length !== count * 4) throw sizeMismatch(what, t, t.rawData.length / 4);
    const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
    out = Array.from({ length: count }, (_, i) => view.getInt32(4 * i, true));
  } else if (t.dataType === DataType.INT64) out = t.int64Data ?? [];
  else if (t.dataType === DataType.INT32) out = t.int32Data ?? [];
  else if (t.dataType === DataType.FLOAT || t.dataType === DataType.DOUBLE) out = [...tensorFloats(t, what)];
  else throw badFile(`${what} has ONNX data type ${t.dataType}, not an integer type`);
  if (out.length !== count) throw sizeMismatch(what, t, out.length);
  return out;
}

function sizeMismatch(what: string, t: OnnxTensor, got: number) {
  return badFile(`${what} has dims ${JSON.stringify(t.dims)} but holds ${got} values`);
}

/** A float32 tensor to write, little-endian raw data (as torch.onnx writes initializers). */
export function floatTensor(name: string, dims: number[], data: Float32Array): OnnxTensor {
  const raw = new Uint8Array(data.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(4 * i, data[i], true);
  return { name, dims, dataType: DataType.FLOAT, rawData: raw };
}

export function int64Tensor(name: string, dims: number[], data: readonly number[]): OnnxTensor {
  const raw = new Uint8Array(data.length * 8);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < data.length; i++) view.setBigInt64(8 * i, BigInt(data[i]), true);
  return { name, dims, dataType: DataType.INT64, rawData: raw };
}
