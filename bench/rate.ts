/**
 * The timing loop the benchmarks share: calls f(n) with growing n until one call takes at least
 * `seconds`, and returns units per second of that call (so short calls are never what is timed).
 */
export async function unitsPerSecond(f: (n: number) => Promise<void>, start: number, seconds: number): Promise<number> {
  let n = start;
  for (;;) {
    const t0 = performance.now();
    await f(n);
    const s = (performance.now() - t0) / 1000;
    if (s >= seconds) return n / s;
    n = Math.ceil(n * Math.min(8, (seconds * 1.2) / Math.max(s, 1e-3)));
  }
}
