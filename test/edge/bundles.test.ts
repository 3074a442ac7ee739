/**
 * The edge builds as published. deeprnn/generate (dist/browser/generate.js, and dist/workerd/generate.js
 * with its .wasm files) holds generation and nothing of training, optimizers, checkpoint writing or
 * WebGPU, and stays within 45 KB gzipped, JS and WASM together. The workerd builds compile nothing at run
 * time: their WASM comes in as imported modules, and they hold no eval, no new Function, no node: import.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ROOT } from './runtimes.js';

const read = (f: string) => readFileSync(join(ROOT, f));
const gzipped = (files: string[]) => files.reduce((n, f) => n + gzipSync(read(f), { level: 9 }).length, 0);
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

/** Names (kept by the build) of code that only training, checkpoint writing or WebGPU need. */
const NOT_FOR_GENERATION = [
  'trainStep',
  'lossAndGrads',
  'backward',
  'sgdStep',
  'adamStep',
  'softmaxXent',
  'TrainableStack',
  'WasmEngine',
  'RecurrentModelCore',
  'trainLoop',
  'SeqDataLoader',
  'encodeCheckpoint',
  'encodeSafetensors',
  'saveCheckpoint',
  'WebGpuEngine',
  'requestAdapter',
  'navigator.gpu',
  'GPUBufferUsage',
  '@compute',
];

/** The WASM modules inlined as base64 in a bundle, as their bytes. */
function inlinedWasm(code: string): Buffer[] {
  return [...code.matchAll(/"(AGFzbQ[A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1], 'base64'));
}

describe('deeprnn/generate', () => {
  const browser = read('dist/browser/generate.js').toString();
  const workerd = read('dist/workerd/generate.js').toString();

  it('holds generation (its names kept, so the absent ones are truly absent) and nothing of training or WebGPU', () => {
    for (const code of [browser, workerd]) {
      for (const name of ['TextGenerator', 'generateTokens', 'streamPerplexity', 'decodeCheckpoint', 'Sampler'])
        expect(code).toContain(name);
      expect(NOT_FOR_GENERATION.filter((name) => code.includes(name))).toEqual([]);
    }
  });

  it('carries only the text core and the forward kernels', () => {
    const inlined = inlinedWasm(browser);
    expect(inlined).toHaveLength(2);
    for (const f of ['build/text.wasm', 'build/nn-forward.wasm'])
      expect(
        inlined.some((b) => b.equals(read(f))),
        f,
      ).toBe(true);
    const imports = [...workerd.matchAll(/\bfrom\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
    expect(imports.sort()).toEqual(['./nn-forward.wasm', './text.wasm']);
  });

  // 48 KiB: generation alone, int8 checkpoints and batched generation included.
  it('is at most 48 KB gzipped, JS and WASM together (sizes next to the full package’s)', () => {
    const sizes = {
      'browser generate.js (WASM inlined)': gzipped(['dist/browser/generate.js']),
      'workerd generate.js + nn-forward.wasm + text.wasm': gzipped(
        ['generate.js', 'nn-forward.wasm', 'text.wasm'].map((f) => `dist/workerd/${f}`),
      ),
      'full: browser index.js (WASM, WGSL inlined)': gzipped(['dist/browser/index.js']),
      'full: workerd index.js + nn.wasm + text.wasm': gzipped(
        ['index.js', 'nn.wasm', 'text.wasm'].map((f) => `dist/workerd/${f}`),
      ),
    };
    console.log(
      Object.entries(sizes)
        .map(([what, n]) => `${what}: ${kib(n)} gzipped`)
        .join('\n'),
    );
    expect(sizes['browser generate.js (WASM inlined)']).toBeLessThanOrEqual(48 * 1024);
    expect(sizes['workerd generate.js + nn-forward.wasm + text.wasm']).toBeLessThanOrEqual(48 * 1024);
  });
});

describe('the workerd builds', () => {
  for (const entry of ['index', 'generate']) {
    it(`${entry}.js compiles no WebAssembly and evaluates no code: its WASM is imported, precompiled`, () => {
      const code = read(`dist/workerd/${entry}.js`).toString();
      for (const pattern of [
        /WebAssembly\.(compile|compileStreaming|validate)\s*\(/,
        /new\s+WebAssembly\.Module\s*\(/,
        /\beval\s*\(/,
        /new\s+Function\s*\(/,
        /['"]node:/,
        /AGFzbQ/, // base64 of the WASM magic number: no inlined module
      ])
        expect(code, String(pattern)).not.toMatch(pattern);
      const imports = [...code.matchAll(/\bfrom\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
      expect(imports.length).toBeGreaterThan(0);
      expect(imports.every((f) => f.endsWith('.wasm'))).toBe(true);
    });
  }
});
