/**
 * A Plan is a fixed list of GPU commands (dispatches, copies) recorded once per model and batch shape and
 * replayed by encode(): the uniform values of every dispatch live in one buffer written once, and every
 * bind group is created once (shared by dispatches that bind the same buffers, e.g. all T steps of a
 * layer, through the dynamic offset of binding 0).
 */
import { DeepRnnError } from '../../errors.js';
import { DIMS_BYTES, encodeDims, type Kernel } from './kernels.js';

export const Usage = { MAP_READ: 1, COPY_SRC: 4, COPY_DST: 8, UNIFORM: 0x40, STORAGE: 0x80 } as const;

/** Owns buffers, checks them against the device limits, and destroys them together. */
export class BufferPool {
  readonly buffers = new Set<GPUBuffer>();

  constructor(private readonly device: GPUDevice) {}

  /** A zero-filled buffer of `floats` 4-byte elements (at least one, so that every binding is valid). */
  storage(label: string, floats: number, extraUsage = 0): GPUBuffer {
    const size = Math.max(4, 4 * floats);
    const limit = Math.min(this.device.limits.maxStorageBufferBindingSize, this.device.limits.maxBufferSize);
    if (size > limit) {
      throw new DeepRnnError(
        'E_TOO_LARGE',
        `${label} needs ${size} bytes, more than this device's storage buffer limit of ${limit} bytes`,
      );
    }
    return this.create({ label, size, usage: Usage.STORAGE | Usage.COPY_SRC | Usage.COPY_DST | extraUsage });
  }

  create(desc: GPUBufferDescriptor): GPUBuffer {
    const buffer = this.device.createBuffer(desc);
    this.buffers.add(buffer);
    return buffer;
  }

  release(buffer: GPUBuffer): void {
    if (this.buffers.delete(buffer)) buffer.destroy();
  }

  destroy(): void {
    for (const b of this.buffers) b.destroy();
    this.buffers.clear();
  }
}

type Op =
  | {
      kind: 'dispatch';
      kernel: Kernel;
      slot: number;
      bound: GPUBuffer[] /* bindings 1.. */;
      groups: [number, number];
      group?: GPUBindGroup;
    }
  | { kind: 'copy'; src: GPUBuffer; srcOffset: number; dst: GPUBuffer; dstOffset: number; size: number };

const bufferIds = new WeakMap<GPUBuffer, number>();
let nextBufferId = 1;
function bufferId(b: GPUBuffer): number {
  let id = bufferIds.get(b);
  if (id === undefined) {
    id = nextBufferId++;
    bufferIds.set(b, id);
  }
  return id;
}

export class Plan {
  private readonly ops: Op[] = [];
  private dims: DataView = new DataView(new ArrayBuffer(DIMS_BYTES * 64));
  private slots = 0;
  private uniform: GPUBuffer | null = null;

  constructor(
    private readonly device: GPUDevice,
    private readonly pool: BufferPool,
    private readonly stepUniform: GPUBuffer,
    readonly label: string,
  ) {}

  get dispatchCount(): number {
    return this.ops.filter((op) => op.kind === 'dispatch').length;
  }

  /**
   * Records one dispatch over `items`: invocations for 'grid' kernels (or [invocations in x, workgroups
   * in y] for kernels that take a uniform block index from workgroup_id.y), workgroups for 'groups'. `buffers`
   * holds every storage binding by its name in the kernel table; the step uniform is bound where declared.
   */
  dispatch(
    kernel: Kernel,
    dims: Record<string, number>,
    buffers: Record<string, GPUBuffer>,
    items: number | [number, number],
  ): void {
    if (this.uniform) throw new Error('plan already finished');
    const { bindings } = kernel.spec;
    for (const name of Object.keys(buffers)) {
      if (!Object.hasOwn(bindings, name) || bindings[name] === 'step')
        throw new Error(`${kernel.name} has no storage binding '${name}'`);
    }
    const bound = Object.entries(bindings).map(([name, kind]) => {
      const buffer = kind === 'step' ? this.stepUniform : buffers[name];
      if (!buffer) throw new Error(`${kernel.name}: no buffer for binding '${name}'`);
      return buffer;
    });
    if ((this.slots + 1) * DIMS_BYTES > this.dims.byteLength) {
      const grown = new Uint8Array(this.dims.byteLength * 2);
      grown.set(new Uint8Array(this.dims.buffer));
      this.dims = new DataView(grown.buffer);
    }
    encodeDims(kernel.name, dims, this.dims, this.slots * DIMS_BYTES);
    this.ops.push({ kind: 'dispatch', kernel, slot: this.slots++, bound, groups: this.groups(kernel, items) });
  }

  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, size: number): void {
    if (size > 0) this.ops.push({ kind: 'copy', src, srcOffset, dst, dstOffset, size });
  }

  private groups(kernel: Kernel, items: number | [number, number]): [number, number] {
    const { dispatch, wg } = kernel.spec;
    const maxDim = this.device.limits.maxComputeWorkgroupsPerDimension;
    if (dispatch === 'single') return [1, 1];
    if (Array.isArray(items)) {
      const xy: [number, number] = [Math.max(1, Math.ceil(items[0] / wg)), Math.max(1, items[1])];
      if (xy[0] > maxDim || xy[1] > maxDim)
        throw new DeepRnnError(
          'E_TOO_LARGE',
          `${kernel.name} needs ${xy.join(' x ')} workgroups, more than this device can dispatch`,
        );
      return xy;
    }
    const n = dispatch === 'groups' ? items : Math.ceil(items / wg);
    if (n <= maxDim) return [Math.max(1, n), 1];
    const y = Math.ceil(n / maxDim);
    if (y > maxDim)
      throw new DeepRnnError('E_TOO_LARGE', `${kernel.name} needs ${n} workgroups, more than this device can dispatch`);
    return [Math.ceil(n / y), y];
  }

  /** Uploads the uniforms and creates the bind groups; after this the plan only encodes. */
  finish(): this {
    const uniform = this.pool.create({
      label: `${this.label} dims`,
      size: Math.max(DIMS_BYTES, this.slots * DIMS_BYTES),
      usage: Usage.UNIFORM | Usage.COPY_DST,
    });
    this.device.queue.writeBuffer(uniform, 0, this.dims.buffer, 0, this.slots * DIMS_BYTES);
    this.uniform = uniform;
    const groups = new Map<string, GPUBindGroup>();
    for (const op of this.ops) {
      if (op.kind !== 'dispatch') continue;
      const key = `${op.kernel.name}|${op.bound.map(bufferId).join(',')}`;
      let group = groups.get(key);
      if (!group) {
        const entries: GPUBindGroupEntry[] = [
          { binding: 0, resource: { buffer: uniform, size: DIMS_BYTES } },
          ...op.bound.map((buffer, i) => ({ binding: i + 1, resource: { buffer } })),
        ];
        group = this.device.createBindGroup({
          label: `${this.label} ${op.kernel.name}`,
          layout: op.kernel.layout,
          entries,
        });
        groups.set(key, group);
      }
      op.group = group;
    }
    return this;
  }

  /**
   * Profiling (benchmarks only): encodes every dispatch in its own pass with timestamps into `querySet`
   * (2 per dispatch, at least 2*dispatchCount queries) and returns the kernel name of each dispatch.
   */
  encodeProfiled(encoder: GPUCommandEncoder, querySet: GPUQuerySet): string[] {
    if (!this.uniform) throw new Error('plan not finished');
    const names: string[] = [];
    for (const op of this.ops) {
      if (op.kind === 'dispatch') {
        const i = names.length;
        const pass = encoder.beginComputePass({
          timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 },
        });
        pass.setPipeline(op.kernel.pipeline);
        pass.setBindGroup(0, op.group!, [op.slot * DIMS_BYTES]);
        pass.dispatchWorkgroups(op.groups[0], op.groups[1]);
        pass.end();
        names.push(op.kernel.name);
      } else {
        encoder.copyBufferToBuffer(op.src, op.srcOffset, op.dst, op.dstOffset, op.size);
      }
    }
    return names;
  }

  encode(encoder: GPUCommandEncoder): void {
    if (!this.uniform) throw new Error('plan not finished');
    let pass: GPUComputePassEncoder | null = null;
    for (const op of this.ops) {
      if (op.kind === 'dispatch') {
        pass ??= encoder.beginComputePass({ label: this.label });
        pass.setPipeline(op.kernel.pipeline);
        pass.setBindGroup(0, op.group!, [op.slot * DIMS_BYTES]);
        pass.dispatchWorkgroups(op.groups[0], op.groups[1]);
      } else {
        pass?.end();
        pass = null;
        encoder.copyBufferToBuffer(op.src, op.srcOffset, op.dst, op.dstOffset, op.size);
      }
    }
    pass?.end();
  }
}

/** queue.writeBuffer for typed arrays of any backing buffer (TS 5.9 types views by their buffer kind). */
export function upload(
  device: GPUDevice,
  buffer: GPUBuffer,
  byteOffset: number,
  data: Float32Array | Int32Array,
): void {
  device.queue.writeBuffer(buffer, byteOffset, data as Float32Array<ArrayBuffer>);
}
