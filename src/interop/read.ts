/**
 * Which format a model file is in, told by its content (never by its name), and reading it as a
 * checkpoint: deeprnn's .safetensors, ONNX (a protobuf ModelProto) or a TF.js model.json. A model.json
 * names its weight files, so it is read from a path (Node), or given with its weights to readTfjs.
 */
import { decodeCheckpoint, type Checkpoint } from '../checkpoint/index.js';
import { DeepRnnError } from '../errors.js';
import { onnxToCheckpoint } from './onnx/import.js';
import { tfjsToCheckpoint, weightSpecsOf } from './tfjs/import.js';
import type { VocabOption } from './vocab.js';

export type ModelFormat = 'safetensors' | 'onnx' | 'tfjs';

export interface ReadOptions {
  /** For files that carry no vocabulary (torch.onnx exports, most TF.js models). */
  vocab?: VocabOption;
}

/**
 * safetensors: a little-endian u64 header length, then a JSON object that fits in the file. A JSON
 * object from the first byte: a TF.js model.json. ONNX: a protobuf whose first field is ir_version (tag
 * 0x08), as every ONNX writer emits it.
 */
export function detectFormat(bytes: Uint8Array): ModelFormat | null {
  if (bytes.length >= 10) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const headerLength = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
    if (bytes[8] === 0x7b && headerLength >= 2 && headerLength <= bytes.length - 8) return 'safetensors';
  }
  let at = 0;
  while (at < bytes.length && (bytes[at] === 0x20 || bytes[at] === 0x0a || bytes[at] === 0x0d || bytes[at] === 0x09))
    at++;
  if (bytes[at] === 0x7b) return 'tfjs';
  if (bytes[0] === 0x08) return 'onnx';
  return null;
}

/** A model from its bytes; a TF.js model.json also needs its weights (see readTfjs), which bytes alone cannot give. */
export function readModelBytes(bytes: Uint8Array, options: ReadOptions = {}): Checkpoint {
  const format = detectFormat(bytes);
  if (format === 'safetensors') {
    if (options.vocab !== undefined)
      throw new DeepRnnError(
        'E_BAD_OPTION',
        'a .safetensors checkpoint carries its vocabulary: the vocab option is for ONNX and TF.js models',
      );
    return decodeCheckpoint(bytes);
  }
  if (format === 'onnx') return onnxToCheckpoint(bytes, options);
  if (format === 'tfjs')
    throw new DeepRnnError(
      'E_BAD_OPTION',
      'this is a TF.js model.json, whose weights are in other files: load it from its path (Node) or use LanguageModel.fromTfjs(modelJson, weights)',
    );
  throw new DeepRnnError(
    'E_BAD_CHECKPOINT',
    'not a deeprnn .safetensors checkpoint, an ONNX model or a TF.js model.json',
  );
}

/** A model.json (text, bytes or parsed) and its weight data (one buffer, or the manifest's files in order). */
export function readTfjs(
  modelJson: string | Uint8Array | object,
  weights: Uint8Array | ArrayBuffer | ReadonlyArray<Uint8Array | ArrayBuffer>,
  options: ReadOptions = {},
): Checkpoint {
  const parts = (Array.isArray(weights) ? weights : [weights]).map((w) =>
    w instanceof ArrayBuffer ? new Uint8Array(w) : w,
  );
  if (!parts.every((p) => p instanceof Uint8Array))
    throw new DeepRnnError('E_BAD_OPTION', 'TF.js weights must be a Uint8Array or ArrayBuffer (or an array of them)');
  let joined = parts[0] ?? new Uint8Array();
  if (parts.length > 1) {
    joined = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
    let at = 0;
    for (const p of parts) {
      joined.set(p, at);
      at += p.length;
    }
  }
  return tfjsToCheckpoint(parseJson(modelJson), joined, options);
}

function parseJson(modelJson: string | Uint8Array | object): unknown {
  if (typeof modelJson !== 'string' && !(modelJson instanceof Uint8Array)) return modelJson;
  const text = typeof modelJson === 'string' ? modelJson : new TextDecoder().decode(modelJson);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DeepRnnError('E_BAD_CHECKPOINT', `model.json is not valid JSON: ${(e as Error).message}`);
  }
}

/** Node: a model file by path; a model.json's weight files are read from its folder. Errors name the path. */
export async function readModelFile(path: string, options: ReadOptions = {}): Promise<Checkpoint> {
  const fs = await import('node:fs/promises');
  const read = async (file: string, what: string): Promise<Uint8Array> => {
    try {
      return await fs.readFile(file);
    } catch (e) {
      throw new DeepRnnError('E_IO', `cannot read ${what} ${file}: ${(e as Error).message}`, { cause: e });
    }
  };
  const bytes = await read(path, 'checkpoint');
  try {
    if (detectFormat(bytes) !== 'tfjs') return readModelBytes(bytes, options);
    const json = parseJson(bytes) as Record<string, unknown>;
    const { dirname, join } = await import('node:path');
    const manifest = Array.isArray(json?.weightsManifest) ? json.weightsManifest : [];
    weightSpecsOf(json ?? {}); // a clear error when there is no manifest
    const files = manifest.flatMap((g) => (Array.isArray(g?.paths) ? (g.paths as string[]) : []));
    const weights = await Promise.all(files.map((f) => read(join(dirname(path), f), 'TF.js weight file')));
    return readTfjs(json, weights, options);
  } catch (e) {
    if (e instanceof DeepRnnError && e.code !== 'E_IO')
      throw new DeepRnnError(e.code, `${path}: ${e.message}`, { cause: e });
    throw e;
  }
}
