/**
 * The texts the tests read, all from this repository: the Time Machine the package ships
 * (src/datasets/timemachine.txt.gz) and tinyshakespeare (bench/data/tinyshakespeare.txt.gz).
 * Read with node:zlib, independently of the package's own loader that some tests check.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

const gunzip = (relative: string): Buffer => gunzipSync(readFileSync(new URL(`../../${relative}`, import.meta.url)));

let book: Buffer | undefined;
let shakespeare: Buffer | undefined;

/** d2l's timemachine.txt, byte for byte. */
export function timeMachineBytes(): Buffer {
  book ??= gunzip('src/datasets/timemachine.txt.gz');
  return book;
}

export const timeMachineText = (): string => timeMachineBytes().toString('utf8');

/** Karpathy's tinyshakespeare input.txt (public domain), byte for byte. */
export function shakespeareText(): string {
  shakespeare ??= gunzip('bench/data/tinyshakespeare.txt.gz');
  return shakespeare.toString('utf8');
}

/** Writes `text` to a file in a fresh temporary directory, for tests that need a path. */
export function textFile(text: string | Uint8Array, name = 'text.txt'): string {
  const path = join(mkdtempSync(join(tmpdir(), 'deeprnn-text-')), name);
  writeFileSync(path, text);
  return path;
}
