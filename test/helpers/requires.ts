/**
 * Suites that need something outside Node (a WebGPU adapter, Chromium): without it they skip with one
 * line saying what is missing and how to install it, except under CI=true, where they fail: CI must
 * never pass by skipping.
 */
import { relative } from 'node:path';
import { expect } from 'vitest';

export interface Requirement {
  /** What is missing, e.g. 'no WebGPU adapter (…)'. */
  missing: string;
  /** How to get it. */
  install: string;
}

/** Throws under CI=true; otherwise prints the one skip line for the calling test file. */
export function unavailable(r: Requirement): void {
  if (process.env.CI === 'true') throw new Error(`CI=true and ${r.missing}; ${r.install}`);
  const file = expect.getState().testPath;
  console.warn(`skipping ${file ? relative(process.cwd(), file) : 'a suite'}: ${r.missing}; ${r.install}`);
}

export const WEBGPU_INSTALL =
  'on Linux without a GPU install Mesa lavapipe (apt-get install -t bookworm-backports mesa-vulkan-drivers) and set XDG_RUNTIME_DIR';
export const CHROMIUM_INSTALL = "install Debian's Chromium (apt-get install chromium) or set CHROMIUM_PATH";
