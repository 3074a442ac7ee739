/** Loads the PyTorch reference fixtures (test/fixtures, made by its gen_*.py) and compares arrays against them. */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { StateDict } from '../../src/model/types.js';

export const fixturesDir = fileURLToPath(new URL('../fixtures/', import.meta.url));

export interface JsonTensor {
  shape: number[];
  data: number[];
}

export function fixtureNames(prefix: 'model_' | 'stack_'): string[] {
  return readdirSync(fixturesDir)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

export function loadFixture(name: string): any {
  return JSON.parse(readFileSync(`${fixturesDir}${name}.json`, 'utf8'));
}

export function toStateDict(params: Record<string, JsonTensor>): StateDict {
  const dict: StateDict = {};
  for (const [k, v] of Object.entries(params)) dict[k] = { shape: [...v.shape], data: Float32Array.from(v.data) };
  return dict;
}

/**
 * Asserts |actual - ref| <= atol + rtol*|ref| elementwise, reporting the largest difference and the first
 * bad index (the llm.c habit).
 */
export function expectClose(
  actual: ArrayLike<number>,
  ref: ArrayLike<number>,
  what: string,
  atol = 1e-5,
  rtol = 1e-4,
): void {
  expect(actual.length, `${what}: length`).toBe(ref.length);
  let worst = 0;
  let worstAt = -1;
  let firstBad = -1;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(actual[i] - ref[i]);
    if (!(d <= worst) || Number.isNaN(d)) {
      worst = Number.isNaN(d) ? Infinity : d;
      worstAt = i;
    }
    if (firstBad < 0 && !(d <= atol + rtol * Math.abs(ref[i]))) firstBad = i;
  }
  if (firstBad >= 0) {
    throw new Error(
      `${what}: largest difference ${worst} at index ${worstAt} (got ${actual[worstAt]}, ref ${ref[worstAt]}); ` +
        `first out of tolerance at index ${firstBad} (got ${actual[firstBad]}, ref ${ref[firstBad]})`,
    );
  }
}

/** Converts time-major rows (T*B) from d2l order (row t*B + b) - identity helper for readability. */
export function tokenTensor(rows: number[][]): { shape: [number, number]; data: Int32Array } {
  return { shape: [rows.length, rows[0].length], data: Int32Array.from(rows.flat()) };
}
