/**
 * Data loading: d2l's Time Machine into a local cache, and any other text from a path or URL.
 * Node's fs, path and os are imported dynamically, only when running in Node, so this module still
 * bundles for browsers (where loadTimeMachine fetches and verifies without caching).
 */
import { DeepRnnError } from '../errors.js';
import { decodeUtf8 } from './core.js';
import { buildCorpus, type Corpus, type CorpusOptions } from './corpus.js';

/** d2l's DATA_HUB entry for 'time_machine'. */
export const TIME_MACHINE = {
  file: 'timemachine.txt',
  url: 'http://d2l-data.s3-accelerate.amazonaws.com/timemachine.txt',
  sha1: '090b5e7e70c295757f55df93cb0a180b9691891a',
} as const;

export interface LoadOptions {
  /** Where downloads are kept; default $DEEPRNN_CACHE, else the platform's cache directory + /deeprnn. */
  cacheDir?: string;
  /** The fetch to download with (default globalThis.fetch); tests pass one that fails. */
  fetch?: typeof globalThis.fetch;
}

const isNode = (): boolean => typeof process !== 'undefined' && typeof process.versions?.node === 'string';

async function sha1Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-1', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The cache directory loadTimeMachine uses (Node only). */
export async function cacheDirectory(explicit?: string): Promise<string> {
  if (explicit !== undefined) return explicit;
  const fromEnv = process.env.DEEPRNN_CACHE;
  if (fromEnv) return fromEnv;
  const { homedir } = await import('node:os');
  const { join } = await import('node:path');
  const home = homedir();
  if (process.platform === 'win32') return join(process.env.LOCALAPPDATA ?? join(home, 'AppData', 'Local'), 'deeprnn', 'Cache');
  if (process.platform === 'darwin') return join(home, 'Library', 'Caches', 'deeprnn');
  return join(process.env.XDG_CACHE_HOME || join(home, '.cache'), 'deeprnn');
}

async function download(url: string, fetchImpl: typeof globalThis.fetch | undefined, hint: string): Promise<Uint8Array> {
  const f = fetchImpl ?? globalThis.fetch;
  let response: Response;
  try {
    response = await f(url);
  } catch (error) {
    throw new DeepRnnError('E_DOWNLOAD', `could not download ${url} (${(error as Error).message}); ${hint}`, { cause: error });
  }
  if (!response.ok) throw new DeepRnnError('E_DOWNLOAD', `could not download ${url}: HTTP ${response.status}; ${hint}`);
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * The text of d2l's *The Time Machine* (d2l.download('time_machine')): read from the cache, downloaded
 * there only when missing, verified by sha1 either way. With no network it is E_DOWNLOAD, saying how to
 * pass a local copy; a file with another sha1 is E_CHECKSUM.
 */
export async function loadTimeMachine(options: LoadOptions = {}): Promise<string> {
  const { file, url, sha1 } = TIME_MACHINE;
  const verify = async (bytes: Uint8Array, where: string, fix: string): Promise<string> => {
    const got = await sha1Hex(bytes);
    if (got !== sha1) throw new DeepRnnError('E_CHECKSUM', `${where} has sha1 ${got}, expected ${sha1}; ${fix}`);
    return decodeUtf8(bytes);
  };
  if (!isNode()) {
    const bytes = await download(url, options.fetch, `load a local copy with loadText(url) instead`);
    return verify(bytes, url, 'the download is not d2l\'s file');
  }
  const fs = await import('node:fs/promises');
  const { join } = await import('node:path');
  const dir = await cacheDirectory(options.cacheDir);
  const path = join(dir, file);
  let cached: Uint8Array | undefined;
  try {
    cached = await fs.readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new DeepRnnError('E_IO', `could not read ${path}: ${(error as Error).message}`, { cause: error });
    }
  }
  if (cached !== undefined) return verify(cached, path, 'delete it to download it again, or pass your copy to loadText()');
  const hint = `without network, put d2l's ${file} at ${path} (or set DEEPRNN_CACHE to its directory), or read your copy with loadText('/path/to/${file}')`;
  const bytes = await download(url, options.fetch, hint);
  const text = await verify(bytes, url, 'the download is not d2l\'s file');
  try {
    await fs.mkdir(dir, { recursive: true });
    const partial = `${path}.${process.pid}.part`;
    await fs.writeFile(partial, bytes);
    await fs.rename(partial, path); // atomic, so a reader never sees half a file
  } catch (error) {
    throw new DeepRnnError('E_IO', `could not write ${path}: ${(error as Error).message}`, { cause: error });
  }
  return text;
}

/**
 * The UTF-8 text at a path (Node) or URL (http, https or file). A string starting with http:, https: or
 * file: is a URL; any other string is a path in Node and a URL relative to the page in a browser.
 */
export async function loadText(source: string | URL, options: Pick<LoadOptions, 'fetch'> = {}): Promise<string> {
  const isUrlString = typeof source === 'string' && /^(https?|file):/i.test(source);
  if (typeof source !== 'string' && !(source instanceof URL)) {
    throw new DeepRnnError('E_BAD_OPTION', `loadText takes a path or a URL, got ${source === null ? 'null' : typeof source}`);
  }
  const url = source instanceof URL ? source : isUrlString ? new URL(source) : undefined;
  if (url?.protocol === 'file:' || (url === undefined && isNode())) {
    if (!isNode()) throw new DeepRnnError('E_BAD_OPTION', `file URLs need Node: ${String(source)}`);
    const { readFile } = await import('node:fs/promises');
    const { fileURLToPath } = await import('node:url');
    const path = url !== undefined ? fileURLToPath(url) : (source as string);
    try {
      return decodeUtf8(await readFile(path));
    } catch (error) {
      throw new DeepRnnError('E_IO', `could not read ${path}: ${(error as Error).message}`, { cause: error });
    }
  }
  if (url !== undefined && url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DeepRnnError('E_BAD_OPTION', `loadText reads http, https and file URLs, got ${url.protocol}`);
  }
  const target = url?.href ?? (source as string);
  return decodeUtf8(await download(target, options.fetch, 'check the address, or download the file and pass its path'));
}

/**
 * d2l's load_corpus_time_machine: The Time Machine, 'd2l' preprocessing and char tokens by default, so
 * 170,580 tokens over 28 entries; maxTokens cuts the corpus as d2l's max_tokens.
 */
export async function loadCorpusTimeMachine(options: CorpusOptions & LoadOptions = {}): Promise<Corpus> {
  const text = await loadTimeMachine(options);
  return buildCorpus(text, options);
}
