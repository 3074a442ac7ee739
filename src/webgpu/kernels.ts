/**
 * The typed kernel table: every WGSL kernel with its bindings and the fields of its `Dims` uniform, and a
 * pipeline cache keyed on kernel name + override constants. Binding 0 of every kernel is its `Dims`
 * uniform, bound with a dynamic offset so that one bind group serves every time step.
 */
import { shaderSources } from '../generated/shaders.js';
import { DeepRnnError } from '../errors.js';

/** `step`: the per-call uniform (learning rate, clip, counters); `read`/`rw`: storage buffers. */
export type BindingKind = 'step' | 'read' | 'rw';

export interface KernelSpec {
  /** Bindings 1.. in order (binding 0 is always the Dims uniform). */
  bindings: readonly BindingKind[];
  /** Fields of the Dims struct in declaration order; every field is 4 bytes. */
  dims: readonly string[];
  /** Default workgroup size (the WGSL `override WG`). */
  wg: number;
  /** 'grid': one invocation per item; 'single': one workgroup; 'groups': items are workgroups. */
  dispatch: 'grid' | 'single' | 'groups';
}

/** Dims fields that are f32 in WGSL; every other field is u32. */
const floatFields = new Set(['scale']);

const k = (bindings: BindingKind[], dims: string[], wg = 64, dispatch: KernelSpec['dispatch'] = 'grid'): KernelSpec =>
  ({ bindings, dims, wg, dispatch });

const cellForward = ['batch', 'hidden', 't', 'whh_off', 'bhh_off'];

export const kernelTable = {
  matmul: k(['read', 'read', 'read', 'rw'], ['m', 'n', 'k', 'a_off', 'a_rs', 'a_cs', 'b_off', 'b_rs', 'b_cs', 'c_off', 'bias_off', 'flags']),
  column_sum: k(['read', 'rw'], ['rows', 'cols', 'a_off', 'c_off']),
  embedding_forward: k(['read', 'read', 'rw'], ['batch', 'steps', 'gh', 'vocab', 'w_off', 'b_off']),
  embedding_backward: k(['read', 'read', 'rw'], ['batch', 'steps', 'gh', 'vocab', 'g_off']),
  rnn_forward: k(['read', 'read', 'rw'], [...cellForward, 'act']),
  rnn_backward: k(['read', 'read', 'read', 'rw', 'read'], ['batch', 'hidden', 't', 'whh_off', 'act']),
  gru_forward: k(['read', 'read', 'rw', 'rw'], cellForward),
  gru_backward: k(['read', 'read', 'read', 'read', 'rw', 'rw', 'rw'], ['batch', 'hidden', 't', 'whh_off']),
  lstm_forward: k(['read', 'read', 'rw', 'rw', 'rw'], cellForward),
  lstm_backward: k(['read', 'read', 'read', 'read', 'rw', 'rw', 'read'], ['batch', 'hidden', 't', 'whh_off']),
  dropout_forward: k(['step', 'read', 'rw'], ['count', 'in_off', 'out_off', 'layer', 'seed', 'keep_from', 'scale']),
  dropout_backward: k(['step', 'read', 'rw'], ['count', 'in_off', 'out_off', 'layer', 'seed', 'keep_from', 'scale']),
  softmax_xent: k(['read', 'read', 'rw', 'rw'], ['batch', 'steps', 'vocab']),
  loss_sum: k(['step', 'read', 'rw'], ['rows'], 256, 'single'),
  grad_norm: k(['read', 'rw'], ['count'], 256, 'groups'),
  clip_scale: k(['step', 'read', 'rw'], ['parts'], 256, 'single'),
  sgd_step: k(['step', 'read', 'read', 'rw'], ['count']),
  adam_step: k(['step', 'read', 'read', 'rw', 'rw', 'rw'], ['count']),
} satisfies Record<string, KernelSpec>;

export type KernelName = keyof typeof kernelTable;

/** Bytes reserved per Dims uniform; also the dynamic-offset stride (the WebGPU minimum alignment). */
export const DIMS_BYTES = 256;

export function encodeDims(name: KernelName, values: Record<string, number>, out: DataView, offset: number): void {
  const fields = kernelTable[name].dims;
  for (const key of Object.keys(values)) {
    if (!fields.includes(key)) throw new Error(`kernel ${name} has no dims field '${key}'`);
  }
  fields.forEach((field, i) => {
    const v = values[field] ?? 0;
    if (floatFields.has(field)) out.setFloat32(offset + 4 * i, v, true);
    else out.setUint32(offset + 4 * i, v >>> 0, true);
  });
}

export interface Kernel {
  name: KernelName;
  spec: KernelSpec;
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
}

const STAGE_COMPUTE = 4; // GPUShaderStage.COMPUTE, spelled out so that no WebGPU globals are needed

/** One pipeline per (device, kernel, constants); shapes come from uniforms, so they never key the cache. */
export class PipelineCache {
  private readonly cache = new Map<string, Promise<Kernel>>();

  constructor(private readonly device: GPUDevice) {}

  get(name: KernelName, constants: Record<string, number> = {}): Promise<Kernel> {
    const key = `${name}|${JSON.stringify(constants)}`;
    let entry = this.cache.get(key);
    if (!entry) {
      entry = this.create(name, constants);
      this.cache.set(key, entry);
    }
    return entry;
  }

  private async create(name: KernelName, constants: Record<string, number>): Promise<Kernel> {
    const spec: KernelSpec = kernelTable[name];
    const code = shaderSources[name];
    if (code === undefined) throw new DeepRnnError('E_NO_WEBGPU', `shader '${name}' is missing from src/generated/shaders.ts (run npm run build:embed)`);
    const entries: GPUBindGroupLayoutEntry[] = [
      { binding: 0, visibility: STAGE_COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true } },
      ...spec.bindings.map((kind, i): GPUBindGroupLayoutEntry => ({
        binding: i + 1,
        visibility: STAGE_COMPUTE,
        buffer: { type: kind === 'step' ? 'uniform' : kind === 'read' ? 'read-only-storage' : 'storage' },
      })),
    ];
    const layout = this.device.createBindGroupLayout({ label: name, entries });
    const module = this.device.createShaderModule({ label: name, code });
    const pipeline = await this.device.createComputePipelineAsync({
      label: name,
      layout: this.device.createPipelineLayout({ label: name, bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: name, constants },
    });
    return { name, spec, pipeline, layout };
  }
}
