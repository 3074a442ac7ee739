import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // WebGPU on lavapipe and the WASM kernels both want the CPU; two cores, so one file at a time.
    fileParallelism: false,
  },
});
