/**
 * The typed kernel table: every WGSL kernel with its bindings and the fields of its `Dims` uniform, and a
 * pipeline cache keyed on kernel name + override constants. Binding 0 of every kernel is its `Dims`
 * uniform, bound with a dynamic offset so that one bind group serves every time step.
 */
import { shaderSources } from '../../generated/shaders.js';
import { DeepRnnError } from '../../errors.js';

/** `step`: the per-call uniform (learning rate, clip, counters); `read`/`rw`: storage buffers. */
export type BindingKind = 'step' | 'read' | 'rw';

export interface DimsField {
  name: string;
  type: 'u32' | 'f32';
}

export interface KernelSpec {
  /**
   * Bindings 1.. in order, keyed by their WGSL variable names (binding 0 is always the Dims uniform `d`).
   * Plan.dispatch takes the storage buffers by these names and binds the step uniform itself.
   */
  bindings: Readonly<Record<string, BindingKind>>;
  /** Fields of the Dims struct in declaration order; every field is 4 bytes and must be given. */
  dims: readonly DimsField[];
  /** Default workgroup size (the WGSL `override WG`). */
  wg: number;
  /** 'grid': one invocation per item; 'single': one workgroup; 'groups': items are workgroups. */
  dispatch: 'grid' | 'single' | 'groups';
}

/**
 * Dims fields in WGSL declaration order: `name` for a u32 field, `name:f32` for an f32 one.
 * test/webgpu/wgsl-contract.test.ts checks every entry (bindings, dims, wg) against its shader.
 */
const k = (
  bindings: Record<string, BindingKind>,
  dims: string[],
  wg = 64,
  dispatch: KernelSpec['dispatch'] = 'grid',
): KernelSpec => ({
  bindings,
  dims: dims.map((f) => {
    const [name, type = 'u32'] = f.split(':');
    return { name, type: type as DimsField['type'] };
  }),
  wg,
  dispatch,
});

const cellForward = ['batch', 'hidden', 't', 'whh_off', 'bhh_off'];
const cellBackward = ['batch', 'hidden', 't', 'whh_off'];
const dropout = ['count', 'in_off', 'out_off', 'layer', 'seed', 'keep_from', 'scale:f32'];

export const kernelTable = {
  matmul: k({ a: 'read', b: 'read', bias: 'read', c: 'rw' }, [
    'm',
    'n',
    'k',
    'a_off',
    'a_rs',
    'a_cs',
    'b_off',
    'b_rs',
    'b_cs',
    'c_off',
    'bias_off',
    'flags',
  ]),
  column_sum: k({ a: 'read', out: 'rw' }, ['rows', 'cols', 'a_off', 'c_off']),
  embedding_forward: k({ tokens: 'read', params: 'read', xp: 'rw' }, [
    'batch',
    'steps',
    'gh',
    'vocab',
    'w_off',
    'b_off',
  ]),
  embedding_backward: k({ tokens: 'read', dg: 'read', grads: 'rw' }, ['batch', 'steps', 'gh', 'vocab', 'g_off']),
  rnn_forward: k({ xp: 'read', params: 'read', hs: 'rw' }, [...cellForward, 'act']),
  rnn_backward: k({ params: 'read', hs: 'read', dout: 'read', dgates: 'rw', hcarry: 'read' }, [...cellBackward, 'act']),
  gru_forward: k({ xp: 'read', params: 'read', hs: 'rw', gates: 'rw' }, cellForward),
  gru_backward: k(
    { params: 'read', gates: 'read', hs: 'read', dout: 'read', dgates: 'rw', dgi: 'rw', hcarry: 'rw' },
    cellBackward,
  ),
  lstm_forward: k({ xp: 'read', params: 'read', hs: 'rw', cs: 'rw', gates: 'rw' }, cellForward),
  lstm_backward: k(
    { params: 'read', gates: 'read', cs: 'read', dout: 'read', dgates: 'rw', ccarry: 'rw', hcarry: 'read' },
    cellBackward,
  ),
  dropout_forward: k({ st: 'step', inp: 'read', out: 'rw' }, dropout),
  dropout_backward: k({ st: 'step', dout: 'read', din: 'rw' }, dropout),
  softmax_xent: k({ logits: 'read', targets: 'read', dlogits: 'rw', row_loss: 'rw' }, ['batch', 'steps', 'vocab']),
  loss_sum: k({ st: 'step', row_loss: 'read', scalars: 'rw' }, ['rows'], 256, 'single'),
  grad_norm: k({ grads: 'read', partial: 'rw' }, ['count'], 256, 'groups'),
  clip_scale: k({ st: 'step', partial: 'read', scalars: 'rw' }, ['parts'], 256, 'single'),
  sgd_step: k({ st: 'step', scalars: 'read', grads: 'read', params: 'rw' }, ['count']),
  adam_step: k({ st: 'step', scalars: 'read', grads: 'read', params: 'rw', m: 'rw', v: 'rw' }, ['count']),
} satisfies Record<string, KernelSpec>;

export type KernelName = keyof typeof kernelTable;

/** Bytes reserved per Dims uniform; also the dynamic-offset stride (the WebGPU minimum alignment). */
export const DIMS_BYTES = 256;

/** Every field must be given: a forgotten one would otherwise reach the shader as a silent 0. */
export function encodeDims(name: KernelName, values: Record<string, number>, out: DataView, offset: number): void {
  const fields = kernelTable[name].dims;
  for (const key of Object.keys(values)) {
    if (!fields.some((f) => f.name === key)) throw new Error(`kernel ${name} has no dims field '${key}'`);
  }
  fields.forEach((field, i) => {
    const v = values[field.name];
    if (v === undefined) throw new Error(`kernel ${name}: dims field '${field.name}' not given`);
    if (field.type === 'f32') out.setFloat32(offset + 4 * i, v, true);
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

const caches = new WeakMap<GPUDevice, PipelineCache>();

/** The device's pipeline cache: every model and stack on one device shares its compiled kernels. */
export function pipelineCache(device: GPUDevice): PipelineCache {
  let c = caches.get(device);
  if (!c) {
    c = new PipelineCache(device);
    caches.set(device, c);
  }
  return c;
}

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
    if (code === undefined)
      throw new DeepRnnError(
        'E_NO_WEBGPU',
        `shader '${name}' is missing from src/generated/shaders.ts (run npm run build:embed)`,
      );
    const entries: GPUBindGroupLayoutEntry[] = [
      { binding: 0, visibility: STAGE_COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true } },
      ...Object.values(spec.bindings).map(
        (kind, i): GPUBindGroupLayoutEntry => ({
          binding: i + 1,
          visibility: STAGE_COMPUTE,
          buffer: { type: kind === 'step' ? 'uniform' : kind === 'read' ? 'read-only-storage' : 'storage' },
        }),
      ),
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
