/**
 * Data loading: d2l's Time Machine, which ships inside the package (src/datasets/timemachine.ts), and
 * any other text from a path or URL. Node's fs and url are imported dynamically, only when reading a
 * path in Node, so this module still bundles for browsers.
 */
import { DeepRnnError } from '../errors.js';
import { decodeUtf8 } from './core.js';
import { buildCorpus, type Corpus, type CorpusOptions } from './corpus.js';

/** d2l's DATA_HUB entry for 'time_machine': the file deeprnn ships, where d2l serves it, its sha1. */
export const TIME_MACHINE = {
  title: 'The Time Machine',
  file: 'timemachine.txt',
  url: 'http://d2l-data.s3-accelerate.amazonaws.com/timemachine.txt',
  sha1: '090b5e7e70c295757f55df93cb0a180b9691891a',
  bytes: 178_979,
} as const;

export interface LoadOptions {
  /** The fetch to download with (default globalThis.fetch); tests pass one that fails. */
  fetch?: typeof globalThis.fetch;
}

const isNode = (): boolean => typeof process !== 'undefined' && typeof process.versions?.node === 'string';

async function sha1Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-1', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function download(
  url: string,
  fetchImpl: typeof globalThis.fetch | undefined,
  hint: string,
): Promise<Uint8Array> {
  const f = fetchImpl ?? globalThis.fetch;
  let response: Response;
  try {
    response = await f(url);
  } catch (error) {
    throw new DeepRnnError('E_DOWNLOAD', `could not download ${url} (${(error as Error).message}); ${hint}`, {
      cause: error,
    });
  }
  if (!response.ok) throw new DeepRnnError('E_DOWNLOAD', `could not download ${url}: HTTP ${response.status}; ${hint}`);
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * The text of d2l's *The Time Machine* (what d2l.download('time_machine') reads), from the copy inside
 * the package: no network, no cache. Verified by sha1 (E_CHECKSUM if the package was altered).
 */
export async function loadTimeMachine(): Promise<string> {
  const { timeMachineGzip } = await import('../datasets/timemachine.js');
  const bytes = await gunzipIfGzip(timeMachineGzip(), 'the Time Machine inside this deeprnn package');
  const got = await sha1Hex(bytes);
  if (got !== TIME_MACHINE.sha1) {
    throw new DeepRnnError(
      'E_CHECKSUM',
      `the Time Machine inside this deeprnn package has sha1 ${got}, expected ${TIME_MACHINE.sha1}; reinstall deeprnn`,
    );
  }
  return decodeUtf8(bytes);
}

/** gunzip, for bytes that start with gzip's magic number; E_IO when they are not a whole gzip stream. */
async function gunzipIfGzip(bytes: Uint8Array, where: string): Promise<Uint8Array> {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return await readAll(
      new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip')),
    );
  } catch (error) {
    throw new DeepRnnError('E_IO', `${where} starts as gzip but does not decompress: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** A stream's bytes, read by hand: `new Response(stream)` would load Node's undici (and its WASM). */
async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = stream.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    chunks.push(r.value);
    length += r.value.length;
  }
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

const decodeText = async (bytes: Uint8Array, where: string): Promise<string> =>
  decodeUtf8(await gunzipIfGzip(bytes, where));

/**
 * The UTF-8 text (gzipped or not) at a path (Node) or URL (http, https or file). A string starting with http:, https: or
 * file: is a URL; any other string is a path in Node and a URL relative to the page in a browser.
 */
export async function loadText(source: string | URL, options: Pick<LoadOptions, 'fetch'> = {}): Promise<string> {
  const isUrlString = typeof source === 'string' && /^(https?|file):/i.test(source);
  if (typeof source !== 'string' && !(source instanceof URL)) {
    throw new DeepRnnError(
      'E_BAD_OPTION',
      `loadText takes a path or a URL, got ${source === null ? 'null' : typeof source}`,
    );
  }
  const url = source instanceof URL ? source : isUrlString ? new URL(source) : undefined;
  if (url?.protocol === 'file:' || (url === undefined && isNode())) {
    if (!isNode()) throw new DeepRnnError('E_BAD_OPTION', `file URLs need Node: ${String(source)}`);
    const { readFile } = await import('node:fs/promises');
    const { fileURLToPath } = await import('node:url');
    const path = url !== undefined ? fileURLToPath(url) : (source as string);
    try {
      return decodeText(await readFile(path), path);
    } catch (error) {
      throw new DeepRnnError('E_IO', `could not read ${path}: ${(error as Error).message}`, { cause: error });
    }
  }
  if (url !== undefined && url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DeepRnnError('E_BAD_OPTION', `loadText reads http, https and file URLs, got ${url.protocol}`);
  }
  const target = url?.href ?? (source as string);
  return decodeText(
    await download(target, options.fetch, 'check the address, or download the file and pass its path'),
    target,
  );
}

/**
 * The share of a text's characters that cannot be text: U+FFFD (bytes that were not UTF-8) and control
 * characters other than tab, line and page breaks. Binary files score high, texts near 0.
 */
export function binaryShare(text: string): number {
  if (text.length === 0) return 0;
  let bad = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0xfffd || (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0c && c !== 0x0d) || c === 0x7f) bad++;
  }
  return bad / text.length;
}

/**
 * d2l's load_corpus_time_machine: The Time Machine, 'd2l' preprocessing and char tokens by default, so
 * 170,580 tokens over 28 entries; maxTokens cuts the corpus as d2l's max_tokens.
 */
export async function loadCorpusTimeMachine(options: CorpusOptions = {}): Promise<Corpus> {
  const text = await loadTimeMachine();
  return buildCorpus(text, options);
}
