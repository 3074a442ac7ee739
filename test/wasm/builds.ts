// Which kernel builds the tests run: always plain SIMD, and relaxed SIMD when this engine can run it -
// Node 20 only behind --experimental-wasm-relaxed-simd, which v8.setFlagsFromString turns on in-process
// (before the module is compiled). If even that fails, the relaxed build is skipped with a message.
import { setFlagsFromString } from 'node:v8';
import { buildSupported, type KernelBuild } from '../../src/backends/wasm/kernels.js';

export function enableRelaxedSimd(): boolean {
  if (!buildSupported('nn-relaxed')) setFlagsFromString('--experimental-wasm-relaxed-simd');
  return buildSupported('nn-relaxed');
}

export function buildsUnderTest(): KernelBuild[] {
  if (enableRelaxedSimd()) return ['nn', 'nn-relaxed'];
  console.warn('relaxed-SIMD build not tested: this engine rejects it even with --experimental-wasm-relaxed-simd');
  return ['nn'];
}
