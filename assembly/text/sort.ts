// A binary min-heap of u64 keys, in place. Callers pack (primary, index) into each key, so keys are
// unique and the order total. The sampler pops only the keys it needs: O(V + k log V) for k tokens of V,
// where sorting all would be O(V log V).

// @ts-ignore: decorator
@inline function at(a: usize, i: i32): usize {
  return a + (<usize>i << 3);
}

function siftDown(a: usize, i: i32, n: i32): void {
  const v = load<u64>(at(a, i));
  while (true) {
    let c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && load<u64>(at(a, c + 1)) < load<u64>(at(a, c))) c++;
    const cv = load<u64>(at(a, c));
    if (cv >= v) break;
    store<u64>(at(a, i), cv);
    i = c;
  }
  store<u64>(at(a, i), v);
}

/** Makes a[0, n) a min-heap. */
export function heapify(a: usize, n: i32): void {
  for (let i = (n >> 1) - 1; i >= 0; i--) siftDown(a, i, n);
}

/** Removes and returns the smallest key of the min-heap a[0, n); the heap is then a[0, n - 1). */
export function popMin(a: usize, n: i32): u64 {
  const top = load<u64>(a);
  store<u64>(a, load<u64>(at(a, n - 1)));
  siftDown(a, 0, n - 1);
  return top;
}
