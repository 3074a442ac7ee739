/**
 * One WebGPU device per test file. Without an adapter the WebGPU tests skip locally but FAIL when
 * CI=true: CI must never pass by silently skipping the GPU.
 */
import { mkdirSync } from 'node:fs';
import { afterAll, describe } from 'vitest';
import { requestDevice } from '../../src/backends/webgpu/device.js';
import { unavailable, WEBGPU_INSTALL } from '../helpers/requires.js';

export async function testDevice(): Promise<GPUDevice | null> {
  if (!process.env.XDG_RUNTIME_DIR) {
    process.env.XDG_RUNTIME_DIR = '/tmp/deeprnn-xdg';
    mkdirSync(process.env.XDG_RUNTIME_DIR, { recursive: true, mode: 0o700 });
  }
  try {
    const { device } = await requestDevice();
    // A live Dawn device busy-polls a core and keeps the process alive: always destroy it.
    afterAll(() => device.destroy());
    return device;
  } catch (e) {
    unavailable({
      missing: `no WebGPU adapter (${e instanceof Error ? e.message : String(e)})`,
      install: WEBGPU_INSTALL,
    });
    return null;
  }
}

/** `describe` when a device exists, `describe.skip` otherwise (never reached in CI: testDevice throws). */
export function describeGpu(device: GPUDevice | null): typeof describe | typeof describe.skip {
  return device ? describe : describe.skip;
}
