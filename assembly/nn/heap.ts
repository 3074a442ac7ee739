/** First free byte above the module's static data; the host's arena starts here (16-byte aligned). */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}
