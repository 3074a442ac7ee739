// Host <-> WASM buffers. Everything the host sees lives in unmanaged heap blocks (heap.alloc/free), never
// in GC objects, so a pointer the host holds stays valid and nothing is moved or collected under it.
//
// Protocol: the host allocs its inputs, calls one entry point, reads the results it left in the output
// slots (pointer + length in elements) and scalar slots, then calls release(), which frees the outputs.

const MAX_OUT: i32 = 8;
const outSlots = memory.data(MAX_OUT * 8);
const scalarSlots = memory.data(MAX_OUT * 8);

export function alloc(size: usize): usize {
  return heap.alloc(size > 0 ? size : 1);
}

export function free(ptr: usize): void {
  if (ptr != 0) heap.free(ptr);
}

export function out_ptr(k: i32): usize {
  return load<usize>(outSlots + (<usize>k << 3));
}

export function out_len(k: i32): i32 {
  return load<i32>(outSlots + (<usize>k << 3), 4);
}

/** Scalar results (an offset, the index of a bad element, ...), valid until the next call. */
export function scalar(k: i32): f64 {
  return load<f64>(scalarSlots + (<usize>k << 3));
}

export function release(): void {
  for (let k: i32 = 0; k < MAX_OUT; k++) {
    const p = outSlots + (<usize>k << 3);
    free(load<usize>(p));
    store<usize>(p, 0);
    store<i32>(p, 0, 4);
  }
}

export function setOut(k: i32, ptr: usize, len: i32): void {
  const p = outSlots + (<usize>k << 3);
  free(load<usize>(p));
  store<usize>(p, ptr);
  store<i32>(p, len, 4);
}

export function setScalar(k: i32, v: f64): void {
  store<f64>(scalarSlots + (<usize>k << 3), v);
}

/** Shrinks a block to `size` bytes so the outputs the host copies are no larger than their contents. */
export function shrink(ptr: usize, size: usize): usize {
  return heap.realloc(ptr, size > 0 ? size : 1);
}

/** Bytes for n 32-bit elements, at least one, so an empty result is still a block the host can free. */
// @ts-ignore: decorator
@inline export function words(n: i32): usize {
  return n > 0 ? <usize>n << 2 : 4;
}
