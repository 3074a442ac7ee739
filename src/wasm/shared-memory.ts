/**
 * The shared-memory twin of a kernel module, derived from its bytes: the module's own memory (section 5)
 * becomes an import `env.memory` of a shared memory with at most MAX_PAGES pages, and nothing else
 * changes. asc's `--importMemory --sharedMemory --zeroFilledMemory` build of the same source differs from
 * the plain build in exactly that (test/wasm/shared-memory.test.ts checks the two byte for byte), so the
 * bundle carries each build once instead of twice (~20 KB gzipped each).
 */
import { DeepRnnError } from '../errors.js';

/** wasm32's 4 GiB, in 64 KiB pages: the largest maximum a shared memory can declare. */
export const MAX_PAGES = 65536;

const MEMORY_SECTION = 5;
const IMPORT_SECTION = 2;
const EXTERNAL_MEMORY = 0x02;
const LIMITS_SHARED_WITH_MAX = 0x03;

function readLeb(bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  let byte: number;
  do {
    byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
}

function leb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return out;
}

const name = (s: string): number[] => [...leb(s.length), ...[...s].map((c) => c.charCodeAt(0))];

interface Section {
  id: number;
  body: Uint8Array;
}

function sections(bytes: Uint8Array): Section[] {
  const out: Section[] = [];
  let at = 8; // magic, version
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, start] = readLeb(bytes, at + 1);
    out.push({ id, body: bytes.subarray(start, start + size) });
    at = start + size;
  }
  return out;
}

export function withSharedMemory(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const all = sections(bytes);
  const memory = all.find((s) => s.id === MEMORY_SECTION);
  const imports = all.find((s) => s.id === IMPORT_SECTION);
  if (memory === undefined || imports === undefined || memory.body[0] !== 1) {
    throw new DeepRnnError('E_BAD_OPTION', 'the kernel module does not define one memory (internal error)');
  }
  // Limits: flag 0 (min) or 1 (min, max); the shared import keeps the minimum.
  const [minPages] = readLeb(memory.body, 2);
  const [count, entriesAt] = readLeb(imports.body, 0);
  const memoryImport = [
    ...name('env'),
    ...name('memory'),
    EXTERNAL_MEMORY,
    LIMITS_SHARED_WITH_MAX,
    ...leb(minPages),
    ...leb(MAX_PAGES),
  ];
  const importBody = [...leb(count + 1), ...imports.body.subarray(entriesAt), ...memoryImport];
  const parts: ArrayLike<number>[] = [bytes.subarray(0, 8)];
  for (const s of all) {
    if (s.id === MEMORY_SECTION) continue;
    const body = s.id === IMPORT_SECTION ? importBody : s.body;
    parts.push([s.id, ...leb(body.length)], body);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
