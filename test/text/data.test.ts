// Data loading, offline: the cache is seeded from ../shared/data and every fetch is a stub.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { TIME_MACHINE, cacheDirectory, loadText, loadTimeMachine } from '../../src/text/index.js';
import { emptyCache, expectCodeAsync, offlineFetch, seededCache, timeMachinePath } from './helpers.js';

const original = readFileSync(timeMachinePath);
const savedEnv = process.env.DEEPRNN_CACHE;
afterEach(() => {
  if (savedEnv === undefined) delete process.env.DEEPRNN_CACHE;
  else process.env.DEEPRNN_CACHE = savedEnv;
});

/**
 * A fetch that serves `body` (or an HTTP error) for any URL and records the URLs asked for. It returns a
 * minimal Response-like object: building a real Response loads undici, seconds on a busy machine.
 */
function servingFetch(body: Uint8Array, asked: string[], status = 200): typeof fetch {
  return (async (url: string | URL) => {
    asked.push(String(url));
    return { ok: status === 200, status, arrayBuffer: async () => body.slice().buffer } as Response;
  }) as typeof fetch;
}

describe('loadTimeMachine', () => {
  it('reads DEEPRNN_CACHE without downloading', async () => {
    process.env.DEEPRNN_CACHE = seededCache();
    const asked: string[] = [];
    expect(await loadTimeMachine({ fetch: servingFetch(new Uint8Array(0), asked) })).toBe(original.toString('utf8'));
    expect(asked).toEqual([]);
    expect(await cacheDirectory()).toBe(process.env.DEEPRNN_CACHE);
  });

  it('downloads d2l\'s URL when the file is missing, verifies it and caches it', async () => {
    const dir = emptyCache();
    const asked: string[] = [];
    const text = await loadTimeMachine({ cacheDir: dir, fetch: servingFetch(original, asked) });
    expect(asked).toEqual([TIME_MACHINE.url]);
    expect(text.length).toBe(original.length);
    expect(readFileSync(join(dir, 'timemachine.txt')).equals(original)).toBe(true);
    await loadTimeMachine({ cacheDir: dir, fetch: servingFetch(original, asked) });
    expect(asked.length).toBe(1);
  });

  it('without network: E_DOWNLOAD that says how to pass a local file', async () => {
    const dir = emptyCache();
    const error = await expectCodeAsync(() => loadTimeMachine({ cacheDir: dir, fetch: offlineFetch }), 'E_DOWNLOAD');
    expect(error.message).toContain('loadText(');
    expect(error.message).toContain(join(dir, 'timemachine.txt'));
    await expectCodeAsync(() => loadTimeMachine({ cacheDir: dir, fetch: servingFetch(original, [], 404) }), 'E_DOWNLOAD');
  });

  it('E_CHECKSUM for a cached or downloaded file that is not d2l\'s, which is then not cached', async () => {
    const dir = emptyCache();
    writeFileSync(join(dir, 'timemachine.txt'), original.subarray(0, 1000));
    await expectCodeAsync(() => loadTimeMachine({ cacheDir: dir, fetch: offlineFetch }), 'E_CHECKSUM');
    const fresh = emptyCache();
    await expectCodeAsync(() => loadTimeMachine({ cacheDir: fresh, fetch: servingFetch(new TextEncoder().encode('hello'), []) }), 'E_CHECKSUM');
    expect(existsSync(join(fresh, 'timemachine.txt'))).toBe(false);
  });
});

describe('cacheDirectory', () => {
  it('is DEEPRNN_CACHE, else the platform cache directory + deeprnn', async () => {
    process.env.DEEPRNN_CACHE = '/tmp/somewhere';
    expect(await cacheDirectory()).toBe('/tmp/somewhere');
    expect(await cacheDirectory('/explicit')).toBe('/explicit');
    delete process.env.DEEPRNN_CACHE;
    const savedXdg = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = '/tmp/xdg';
    try {
      if (process.platform === 'linux') expect(await cacheDirectory()).toBe(join('/tmp/xdg', 'deeprnn'));
      else expect(await cacheDirectory()).toMatch(/deeprnn/);
    } finally {
      if (savedXdg === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = savedXdg;
    }
  });
});

describe('loadText', () => {
  it('reads a path, a file URL and an http URL', async () => {
    const expected = original.toString('utf8');
    expect(await loadText(timeMachinePath)).toBe(expected);
    expect(await loadText(pathToFileURL(timeMachinePath))).toBe(expected);
    expect(await loadText(pathToFileURL(timeMachinePath).href)).toBe(expected);
    const asked: string[] = [];
    expect(await loadText('https://example.org/a.txt', { fetch: servingFetch(new TextEncoder().encode('héllo'), asked) })).toBe('héllo');
    expect(asked).toEqual(['https://example.org/a.txt']);
  });

  it('E_IO for a missing file, E_DOWNLOAD for a failed fetch, E_BAD_OPTION otherwise', async () => {
    await expectCodeAsync(() => loadText(join(emptyCache(), 'missing.txt')), 'E_IO');
    await expectCodeAsync(() => loadText('http://example.org/x', { fetch: offlineFetch }), 'E_DOWNLOAD');
    await expectCodeAsync(() => loadText(new URL('ftp://example.org/x')), 'E_BAD_OPTION');
    await expectCodeAsync(() => loadText(42 as never), 'E_BAD_OPTION');
  });
});
