// Data loading, offline: the Time Machine comes from the package, every fetch is a stub.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TIME_MACHINE, loadText, loadTimeMachine } from '../../src/text/index.js';
import { shakespeareText, textFile, timeMachineBytes } from '../helpers/data.js';
import { expectCodeAsync, offlineFetch } from './helpers.js';

const original = timeMachineBytes();

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
  it("is d2l's timemachine.txt byte for byte, from the package, with no network", async () => {
    expect(createHash('sha1').update(original).digest('hex')).toBe(TIME_MACHINE.sha1);
    expect(original.length).toBe(TIME_MACHINE.bytes);
    const saved = globalThis.fetch;
    globalThis.fetch = offlineFetch;
    try {
      expect(await loadTimeMachine()).toBe(original.toString('utf8'));
    } finally {
      globalThis.fetch = saved;
    }
  });

  it('ships gzipped in the package at about 70 KB', () => {
    const gz = readFileSync(new URL('../../src/datasets/timemachine.txt.gz', import.meta.url));
    expect(gz.length).toBeLessThan(72_000);
  });
});

describe('loadText', () => {
  it('reads a path, a file URL and an http URL', async () => {
    const expected = original.toString('utf8');
    const timeMachinePath = textFile(original, 'timemachine.txt');
    expect(await loadText(timeMachinePath)).toBe(expected);
    expect(await loadText(pathToFileURL(timeMachinePath))).toBe(expected);
    expect(await loadText(pathToFileURL(timeMachinePath).href)).toBe(expected);
    const asked: string[] = [];
    expect(
      await loadText('https://example.org/a.txt', { fetch: servingFetch(new TextEncoder().encode('héllo'), asked) }),
    ).toBe('héllo');
    expect(asked).toEqual(['https://example.org/a.txt']);
  });

  it('reads gzipped files as their text; a damaged gzip is E_IO', async () => {
    const gz = readFileSync(new URL('../../bench/data/tinyshakespeare.txt.gz', import.meta.url));
    expect(await loadText(textFile(gz, 'shakespeare.txt.gz'))).toBe(shakespeareText());
    const error = await expectCodeAsync(() => loadText(textFile(gz.subarray(0, 1000), 'cut.gz')), 'E_IO');
    expect(error.message).toContain('does not decompress');
  });

  it('E_IO for a missing file, E_DOWNLOAD for a failed fetch, E_BAD_OPTION otherwise', async () => {
    await expectCodeAsync(() => loadText(join(textFile(''), '..', 'missing.txt')), 'E_IO');
    await expectCodeAsync(() => loadText('http://example.org/x', { fetch: offlineFetch }), 'E_DOWNLOAD');
    await expectCodeAsync(() => loadText(new URL('ftp://example.org/x')), 'E_BAD_OPTION');
    await expectCodeAsync(() => loadText(42 as never), 'E_BAD_OPTION');
  });
});
