/**
 * WebGPU device acquisition in browsers (navigator.gpu) and Node (Dawn's `webgpu` package, imported
 * dynamically so that browser bundles never include it), with typed errors when it is missing.
 */
import { DeepRnnError } from '../../errors.js';

/** Dawn for Node is an optional peer dependency: most users never install its native binaries. */
export const NODE_WEBGPU_HINT = 'npm install webgpu';

let nodeGpu: Promise<GPU | string> | null = null;

/** Dawn's GPU, or why it could not be loaded. */
async function loadNodeGpu(): Promise<GPU | string> {
  // A variable specifier keeps bundlers from resolving (and shipping) the Node addon.
  const specifier = 'webgpu';
  try {
    const mod = await import(/* @vite-ignore */ specifier);
    return mod.create([]) as GPU;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      return `WebGPU in Node needs Dawn's \`webgpu\` package, which is not installed: run \`${NODE_WEBGPU_HINT}\` (or use backend 'wasm')`;
    }
    return `the Node \`webgpu\` package could not be loaded (${e instanceof Error ? e.message : String(e)}); reinstall it with \`${NODE_WEBGPU_HINT}\``;
  }
}

/** The GPU entry point of this environment; E_NO_WEBGPU, saying why and how to fix it, when it has none. */
export async function getGpu(): Promise<GPU> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
  if (!isNode) throw new DeepRnnError('E_NO_WEBGPU', 'WebGPU is not available here (no navigator.gpu)');
  nodeGpu ??= loadNodeGpu();
  const gpu = await nodeGpu;
  if (typeof gpu === 'string') throw new DeepRnnError('E_NO_WEBGPU', gpu);
  return gpu;
}

export interface AdapterDescription {
  fallback: boolean;
  description: string;
}

export function describeAdapter(adapter: GPUAdapter): AdapterDescription {
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean; description?: string };
  const legacy = (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter;
  const fallback = Boolean(info?.isFallbackAdapter ?? legacy ?? false);
  const description = [info?.vendor, info?.architecture, info?.description || info?.device].filter(Boolean).join(' / ');
  return { fallback, description };
}

export async function requestAdapter(): Promise<GPUAdapter> {
  const gpu = await getGpu();
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter)
    throw new DeepRnnError(
      'E_NO_ADAPTER',
      'WebGPU is available but no adapter was found (on Linux without a GPU, install Mesa lavapipe)',
    );
  return adapter;
}

/**
 * Is WebGPU usable here, and is it a software (fallback) adapter? The training API uses this for
 * backend 'auto': a software adapter is slower than the WASM backend.
 */
export async function probeWebGpu(): Promise<{ available: boolean; fallback: boolean; description: string }> {
  try {
    const adapter = await requestAdapter();
    return { available: true, ...describeAdapter(adapter) };
  } catch (e) {
    return { available: false, fallback: false, description: e instanceof Error ? e.message : String(e) };
  }
}

/** Storage buffers per stage the kernels need at most (lstm_backward, gru_backward). */
export const STORAGE_BUFFERS_NEEDED = 7;

/** A device with the adapter's storage limits rather than the defaults (and `features`, e.g. for profiling). */
export async function requestDevice(
  features: GPUFeatureName[] = [],
): Promise<{ device: GPUDevice; adapter: AdapterDescription }> {
  const adapter = await requestAdapter();
  const missing = features.filter((f) => !adapter.features.has(f));
  if (missing.length > 0) throw new DeepRnnError('E_NO_ADAPTER', `the WebGPU adapter lacks ${missing.join(', ')}`);
  const l = adapter.limits;
  if (l.maxStorageBuffersPerShaderStage < STORAGE_BUFFERS_NEEDED) {
    throw new DeepRnnError(
      'E_NO_ADAPTER',
      `the WebGPU adapter allows ${l.maxStorageBuffersPerShaderStage} storage buffers per shader stage; deeprnn needs ${STORAGE_BUFFERS_NEEDED}`,
    );
  }
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({
      label: 'deeprnn',
      requiredFeatures: features,
      requiredLimits: {
        maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
        maxBufferSize: l.maxBufferSize,
        maxStorageBuffersPerShaderStage: STORAGE_BUFFERS_NEEDED,
        maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      },
    });
  } catch (e) {
    throw new DeepRnnError(
      'E_NO_ADAPTER',
      `the WebGPU adapter refused a device: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
  return { device, adapter: describeAdapter(adapter) };
}
