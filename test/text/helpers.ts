/** Shared by the text tests: the real data files, a cache seeded from them, and error-code assertions. */
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { DeepRnnError, type ErrorCode } from '../../src/errors.js';
import { dataDir } from '../helpers/fixtures.js';

export const timeMachinePath = `${dataDir}timemachine.txt`;
export const shakespearePath = `${dataDir}tinyshakespeare.txt`;

/** A fresh cache directory holding d2l's timemachine.txt, as a download would leave it. */
export function seededCache(): string {
  const dir = mkdtempSync(join(tmpdir(), 'deeprnn-cache-'));
  copyFileSync(timeMachinePath, join(dir, 'timemachine.txt'));
  return dir;
}

export function emptyCache(): string {
  return mkdtempSync(join(tmpdir(), 'deeprnn-cache-'));
}

/** A fetch that fails as it does with no network; tests must never reach the real one. */
export const offlineFetch = (async () => {
  throw new TypeError('fetch failed (offline test)');
}) as typeof fetch;

/** Runs `fn` and asserts it throws a DeepRnnError with `code`. */
export function expectCode(fn: () => unknown, code: ErrorCode): DeepRnnError {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `expected DeepRnnError ${code}`).toBeInstanceOf(DeepRnnError);
  expect((thrown as DeepRnnError).code).toBe(code);
  return thrown as DeepRnnError;
}

export async function expectCodeAsync(fn: () => Promise<unknown>, code: ErrorCode): Promise<DeepRnnError> {
  let thrown: unknown;
  try {
    await fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `expected DeepRnnError ${code}`).toBeInstanceOf(DeepRnnError);
  expect((thrown as DeepRnnError).code).toBe(code);
  return thrown as DeepRnnError;
}
