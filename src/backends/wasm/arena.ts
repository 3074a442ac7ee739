/**
 * A bump allocator over one WASM memory: the model's fixed tensors (parameters, gradients, optimizer
 * moments, transposed weights) first, then, above `mark()`, the tensors sized by the batch shape. A new
 * batch shape rewinds to the mark and lays out again; the memory grows only when that needs more room.
 */
import { DeepRnnError } from '../../errors.js';
import type { ForwardKernels } from './kernels.js';

const PAGE = 65536;
/** wasm32 addresses 4 GiB; stay a page short so no offset overflows an i32 pointer argument's bit pattern. */
const MAX_BYTES = 65535 * PAGE;

export class Arena {
  private top: number;
  private marked: number;

  /** `maxBytes`: the memory's own maximum when it has one below wasm32's (a shared memory's). */
  constructor(
    private readonly k: ForwardKernels,
    private readonly maxBytes = MAX_BYTES,
  ) {
    this.top = k.heapBase();
    this.marked = this.top;
  }

  /** Reserves `count` 4-byte elements, 64-byte aligned (a cache line); returns the byte offset. */
  alloc(count: number): number {
    const off = Math.ceil(this.top / 64) * 64;
    this.top = off + Math.max(0, count) * 4;
    if (this.top > Math.min(MAX_BYTES, this.maxBytes)) {
      const most = this.maxBytes < MAX_BYTES ? `${this.maxBytes / 2 ** 20} MiB here` : '4 GiB';
      throw new DeepRnnError(
        'E_TOO_LARGE',
        `the model needs ${(this.top / 2 ** 20).toFixed(0)} MiB of WASM memory; wasm32 allows at most ${most}`,
      );
    }
    return off;
  }

  mark(): void {
    this.marked = this.top;
  }

  rewind(): void {
    this.top = this.marked;
  }

  /** Grows the memory to hold everything allocated so far (no-op when it already does). */
  commit(): void {
    const have = this.k.memory.buffer.byteLength;
    if (this.top <= have) return;
    const pages = Math.ceil((this.top - have) / PAGE);
    try {
      this.k.memory.grow(pages);
      this.whole = null; // the old buffer is detached (or, shared, too short): views of the new one
    } catch (cause) {
      throw new DeepRnnError('E_TOO_LARGE', `could not grow WASM memory to ${(this.top / 2 ** 20).toFixed(0)} MiB`, {
        cause,
      });
    }
  }

  get bytes(): number {
    return this.k.memory.buffer.byteLength;
  }

  /**
   * Views of the whole memory, made again only when it grew (a new buffer): every step takes a few
   * dozen views of its tensors, and a subarray of these costs a fraction of a new view on the buffer.
   */
  private whole: { buffer: ArrayBufferLike; f32: Float32Array; i32: Int32Array; i8: Int8Array; u8: Uint8Array } | null =
    null;

  private views() {
    // Only commit() grows this memory (the kernels never do, and each memory has one arena), so the
    // views are renewed there, not checked on every call: reading memory.buffer is a call into the
    // engine. A detached buffer (grown some other way) still renews them.
    if (this.whole === null || this.whole.buffer.byteLength === 0) this.whole = this.viewsOf(this.k.memory.buffer);
    return this.whole;
  }

  private viewsOf(buffer: ArrayBufferLike) {
    return {
      buffer,
      f32: new Float32Array(buffer),
      i32: new Int32Array(buffer),
      i8: new Int8Array(buffer),
      u8: new Uint8Array(buffer),
    };
  }

  f32(off: number, count: number): Float32Array {
    return this.views().f32.subarray(off >> 2, (off >> 2) + count);
  }

  i8(off: number, count: number): Int8Array {
    return this.views().i8.subarray(off, off + count);
  }

  i32(off: number, count: number): Int32Array {
    return this.views().i32.subarray(off >> 2, (off >> 2) + count);
  }

  zero(off: number, count: number): void {
    this.views().f32.fill(0, off >> 2, (off >> 2) + count);
  }

  copy(dst: number, src: number, count: number): void {
    this.views().u8.copyWithin(dst, src, src + count * 4);
  }
}
