/** Shared by the text tests: an offline fetch and error-code assertions. */
import { expect } from 'vitest';
import { DeepRnnError, type ErrorCode } from '../../src/errors.js';

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
