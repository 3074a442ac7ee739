/**
 * Asynchronous reads of GPU buffers through a small pool of reusable staging buffers: copies are encoded
 * into the caller's command encoder (so they are ordered with the work that produced the data) and mapped
 * after submit. Several reads may be in flight; each takes its own staging buffer.
 */
import { DeepRnnError } from '../../errors.js';
import { Usage, type BufferPool } from './plan.js';

export interface Range {
  buffer: GPUBuffer;
  /** Bytes. */
  offset: number;
  size: number;
}

const MAP_READ_MODE = 1; // GPUMapMode.READ

export class Readback {
  private readonly free: GPUBuffer[] = [];

  constructor(
    private readonly pool: BufferPool,
    private readonly lostReason: () => string | null,
  ) {}

  /** Encodes the copies; call the returned function after submitting the encoder. */
  stage(encoder: GPUCommandEncoder, ranges: Range[]): () => Promise<Float32Array[]> {
    const total = ranges.reduce((s, r) => s + r.size, 0);
    const i = this.free.findIndex((b) => b.size >= total);
    const staging =
      i >= 0
        ? this.free.splice(i, 1)[0]
        : this.pool.create({ label: 'staging', size: Math.max(16, total), usage: Usage.MAP_READ | Usage.COPY_DST });
    let at = 0;
    for (const r of ranges) {
      if (r.size > 0) encoder.copyBufferToBuffer(r.buffer, r.offset, staging, at, r.size);
      at += r.size;
    }
    return async () => {
      try {
        await staging.mapAsync(MAP_READ_MODE, 0, Math.max(16, total));
      } catch (e) {
        const lost = this.lostReason();
        if (lost !== null) throw new DeepRnnError('E_DEVICE_LOST', `the GPU device was lost: ${lost}`, { cause: e });
        throw e;
      }
      const bytes = staging.getMappedRange(0, Math.max(16, total));
      const out: Float32Array[] = [];
      let off = 0;
      for (const r of ranges) {
        out.push(new Float32Array(bytes.slice(off, off + r.size)));
        off += r.size;
      }
      staging.unmap();
      this.free.push(staging);
      return out;
    };
  }
}
