/**
 * Saving and loading checkpoint files. Node's fs is imported on first use, so browser bundles that import
 * deeprnn never load it; browsers use the Uint8Array/Blob forms.
 */
import { DeepRnnError } from '../errors.js';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint.js';
import type { Checkpoint } from './types.js';

let saves = 0;

/**
 * Writes atomically: the bytes go to a temporary file in the same directory, are flushed, then renamed
 * over `path`, so a crash or Ctrl-C mid-write leaves either the old file or the new one, never half of one.
 */
export async function saveCheckpoint(path: string, ckpt: Checkpoint): Promise<void> {
  await writeFileAtomic(path, encodeCheckpoint(ckpt), 'checkpoint');
}

/** The atomic write saveCheckpoint uses, for any model file (`what` names it in errors). */
export async function writeFileAtomic(path: string, bytes: Uint8Array, what: string): Promise<void> {
  const fs = await import('node:fs/promises');
  const { dirname, basename, join } = await import('node:path');
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.${saves++}.tmp`);
  try {
    const handle = await fs.open(tmp, 'w');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, path);
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw new DeepRnnError('E_IO', `cannot write ${what} ${path}: ${(e as Error).message}`, { cause: e });
  }
}

export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  const fs = await import('node:fs/promises');
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(path);
  } catch (e) {
    throw new DeepRnnError('E_IO', `cannot read checkpoint ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    return decodeCheckpoint(bytes);
  } catch (e) {
    if (e instanceof DeepRnnError) throw new DeepRnnError(e.code, `${path}: ${e.message}`, { cause: e });
    throw e;
  }
}

export function checkpointToBlob(ckpt: Checkpoint): Blob {
  return new Blob([encodeCheckpoint(ckpt)], { type: 'application/octet-stream' });
}

export async function checkpointFromBlob(blob: Blob): Promise<Checkpoint> {
  return decodeCheckpoint(new Uint8Array(await blob.arrayBuffer()));
}
