// In-place heapsort of u64 keys, ascending. Callers pack (primary, index) into each key, so keys are
// unique and the order is total: no stability needed, no allocation, O(n log n) worst case.

// @ts-ignore: decorator
@inline function at(a: usize, i: i32): usize {
  return a + (<usize>i << 3);
}

function siftDown(a: usize, i: i32, n: i32): void {
  const v = load<u64>(at(a, i));
  while (true) {
    let c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && load<u64>(at(a, c + 1)) > load<u64>(at(a, c))) c++;
    const cv = load<u64>(at(a, c));
    if (cv <= v) break;
    store<u64>(at(a, i), cv);
    i = c;
  }
  store<u64>(at(a, i), v);
}

export function sortU64(a: usize, n: i32): void {
  for (let i = (n >> 1) - 1; i >= 0; i--) siftDown(a, i, n);
  for (let end = n - 1; end > 0; end--) {
    const top = load<u64>(a);
    store<u64>(a, load<u64>(at(a, end)));
    store<u64>(at(a, end), top);
    siftDown(a, 0, end);
  }
}
