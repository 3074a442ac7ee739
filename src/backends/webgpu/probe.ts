/**
 * Backend 'auto' asks whether a hardware WebGPU adapter exists. In Node, Dawn writes warnings straight
 * to the process's stderr when it enumerates adapters ("maxDynamic...BuffersPerPipelineLayout
 * artificially reduced"), and nothing in JavaScript can silence a native write: so Node asks in a
 * short-lived child process whose stderr is discarded. A run that then picks WASM never loads Dawn.
 */
import { probeWebGpu } from './device.js';

export interface Probe {
  available: boolean;
  fallback: boolean;
  description: string;
}

const isNode = (): boolean => typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/** The child: load Dawn as the parent would, ask for an adapter, print what it is as one JSON line. */
const CHILD = `
const [url] = process.argv.slice(-1);
try {
  const gpu = (await import(url)).create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  const info = adapter?.info ?? {};
  const description = [info.vendor, info.architecture, info.description || info.device].filter(Boolean).join(' / ');
  process.stdout.write(JSON.stringify({ available: Boolean(adapter), fallback: Boolean(info.isFallbackAdapter ?? adapter?.isFallbackAdapter), description }));
} catch (e) {
  process.stdout.write(JSON.stringify({ available: false, fallback: false, description: String(e?.message ?? e) }));
}
process.exit(0);
`;

/** Where Dawn's `webgpu` package resolves from here, as a URL the child can import. */
async function resolveDawn(): Promise<string> {
  if (typeof import.meta.resolve === 'function') return import.meta.resolve('webgpu');
  // Test runners that wrap modules may lack import.meta.resolve.
  const { createRequire } = await import('node:module');
  const { pathToFileURL } = await import('node:url');
  return pathToFileURL(createRequire(import.meta.url).resolve('webgpu')).href;
}

async function probeInChild(): Promise<Probe> {
  let url: string;
  try {
    url = await resolveDawn();
  } catch {
    return { available: false, fallback: false, description: 'the Node `webgpu` package is not installed' };
  }
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', CHILD, url],
      { timeout: 30_000, windowsHide: true },
      (error, stdout) => {
        try {
          resolve(JSON.parse(stdout) as Probe);
        } catch {
          resolve({
            available: false,
            fallback: false,
            description: `the WebGPU probe failed: ${error?.message ?? stdout}`,
          });
        }
      },
    );
  });
}

/** Whether a hardware (not a software fallback) WebGPU adapter is there, without any output. */
export async function hardwareAdapter(): Promise<boolean> {
  const probe = isNode() ? await probeInChild() : await probeWebGpu();
  return probe.available && !probe.fallback;
}
