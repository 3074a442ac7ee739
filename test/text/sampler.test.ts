// The sampler: greedy, temperature, top-k, top-p, the seeded counter stream, and bad input.
import { beforeAll, describe, expect, it } from 'vitest';
import { counterUniform, mix32 } from '../../src/model/params.js';
import { Sampler, loadTextCore, sampleLogits } from '../../src/text/index.js';
import { textCore } from '../../src/text/core.js';
import { expectCode } from './helpers.js';

beforeAll(() => loadTextCore());

/** Deterministic pseudo-random logits for property tests. */
function randomLogits(rows: number, vocab: number, seed: number, scale = 3): Float32Array {
  return Float32Array.from({ length: rows * vocab }, (_, i) => (counterUniform(seed, i) * 2 - 1) * scale);
}

function softmax(logits: ArrayLike<number>, t = 1): number[] {
  const m = Math.max(...Array.from(logits));
  const e = Array.from(logits, (l) => Math.exp((l - m) / t));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

/** Indices by logit descending, ties by index. */
const order = (row: ArrayLike<number>) => Array.from(row, (_, i) => i).sort((a, b) => row[b] - row[a] || a - b);

describe('the shared RNG', () => {
  it('the core mix32 equals the host mix32 (one RNG family)', () => {
    const core = textCore();
    for (let i = 0; i < 2000; i++) {
      const x = mix32((i * 0x9e3779b9) >>> 0);
      expect(core.rng_mix32(x) >>> 0).toBe(mix32(x));
    }
  });
});

describe('sampling', () => {
  it('greedy takes the argmax (first on ties) and draws nothing', () => {
    const logits = randomLogits(64, 13, 1);
    logits[13 * 5 + 2] = 10;
    logits[13 * 5 + 7] = 10;
    const out = sampleLogits(logits, 13, { greedy: true, counter: 9 });
    for (let r = 0; r < 64; r++) expect(out.tokens[r]).toBe(order(logits.subarray(r * 13, r * 13 + 13))[0]);
    expect(out.tokens[5]).toBe(2);
    expect(out.counter).toBe(9);
    const p = softmax(logits.subarray(0, 13));
    expect(out.logProbs[0]).toBeCloseTo(Math.log(p[out.tokens[0]]), 5);
  });

  it('follows the documented draw: u = counterUniform(seed, counter + row), inverse CDF in index order', () => {
    const V = 7;
    const logits = randomLogits(500, V, 2);
    const out = sampleLogits(logits, V, { seed: 123, counter: 1000, temperature: 0.8 });
    expect(out.counter).toBe(1500);
    for (let r = 0; r < 500; r++) {
      const p = softmax(logits.subarray(r * V, r * V + V), 0.8);
      const u = counterUniform(123, 1000 + r);
      let acc = 0;
      let pick = V - 1;
      for (let i = 0; i < V; i++) {
        acc += p[i];
        if (acc > u) {
          pick = i;
          break;
        }
      }
      expect(out.tokens[r]).toBe(pick);
      expect(out.logProbs[r]).toBeCloseTo(Math.log(p[pick]), 5);
    }
  });

  it('with temperature, 100k draws match softmax(logits / T) (chi-square)', () => {
    const row = [1.0, 0.5, -0.3, 2.0, 0.0, -1.2];
    for (const t of [0.5, 1, 2.5]) {
      const logits = new Float32Array(100_000 * row.length);
      for (let r = 0; r < 100_000; r++) logits.set(row, r * row.length);
      const { tokens } = sampleLogits(logits, row.length, { temperature: t, seed: 77 });
      const observed = new Array(row.length).fill(0);
      for (const k of tokens) observed[k]++;
      const p = softmax(Float32Array.from(row), t);
      const chi2 = p.reduce((s, pi, i) => s + (observed[i] - 1e5 * pi) ** 2 / (1e5 * pi), 0);
      expect(chi2).toBeLessThan(20.52); // chi-square, 5 degrees of freedom, p = 0.999
    }
  });

  it('top-k never returns a token outside the k best, and renormalizes over them', () => {
    const V = 20;
    const logits = randomLogits(3000, V, 3);
    for (const k of [1, 3, 8]) {
      const out = sampleLogits(logits, V, { topK: k, seed: k });
      const bad: number[] = [];
      for (let r = 0; r < 3000; r++) {
        const row = logits.subarray(r * V, r * V + V);
        const best = order(row).slice(0, k);
        const p = softmax(best.map((i) => row[i]));
        const at = best.indexOf(out.tokens[r]);
        if (at < 0 || Math.abs(out.logProbs[r] - Math.log(p[at])) > 1e-5) bad.push(r);
      }
      expect(bad, `rows outside the top ${k} or with a wrong log-probability`).toEqual([]);
    }
    // topK >= V is plain sampling, draw for draw.
    expect(sampleLogits(logits, V, { topK: 50, seed: 4 }).tokens).toEqual(sampleLogits(logits, V, { seed: 4 }).tokens);
  });

  it('top-p keeps exactly the nucleus: the fewest most likely tokens reaching p', () => {
    const V = 12;
    const logits = randomLogits(3000, V, 5);
    for (const topP of [0.1, 0.5, 0.9]) {
      const out = sampleLogits(logits, V, { topP, temperature: 0.9, seed: 11 });
      const bad: number[] = [];
      let wide = 0;
      for (let r = 0; r < 3000; r++) {
        const row = logits.subarray(r * V, r * V + V);
        const p = softmax(row, 0.9);
        const nucleus: number[] = [];
        let mass = 0;
        for (const i of order(row)) {
          if (mass >= topP) break;
          nucleus.push(i);
          mass += p[i];
        }
        if (!nucleus.includes(out.tokens[r]) || Math.abs(out.logProbs[r] - Math.log(p[out.tokens[r]] / mass)) > 1e-5)
          bad.push(r);
        if (nucleus.length > 1) wide++;
      }
      expect(bad, `rows outside the nucleus of ${topP} or with a wrong log-probability`).toEqual([]);
      if (topP >= 0.5) expect(wide).toBeGreaterThan(100); // the test exercises nuclei of several tokens
    }
    expect(sampleLogits(logits, V, { topP: 1, seed: 6 }).tokens).toEqual(sampleLogits(logits, V, { seed: 6 }).tokens);
  });

  it('top-k with top-p takes the nucleus of the renormalized top k, also for a large vocabulary', () => {
    for (const [V, rows, k] of [
      [12, 2000, 5],
      [30000, 4, 40],
    ]) {
      const logits = randomLogits(rows, V, 8, 6);
      const out = sampleLogits(logits, V, { topK: k, topP: 0.6, seed: 13 });
      const bad: number[] = [];
      for (let r = 0; r < rows; r++) {
        const row = logits.subarray(r * V, r * V + V);
        const best = order(row).slice(0, k);
        const p = softmax(best.map((i) => row[i]));
        const nucleus: number[] = [];
        let mass = 0;
        for (let j = 0; j < k && mass < 0.6; j++) {
          nucleus.push(best[j]);
          mass += p[j];
        }
        const at = best.indexOf(out.tokens[r]);
        if (!nucleus.includes(out.tokens[r]) || Math.abs(out.logProbs[r] - Math.log(p[at] / mass)) > 1e-5) bad.push(r);
      }
      expect(bad, `V ${V}: rows outside the nucleus of the top ${k}`).toEqual([]);
    }
  });

  it('the same seed gives the same sequence, and a saved state resumes it exactly', () => {
    const V = 9;
    const logits = randomLogits(40, V, 6);
    const a = new Sampler({ seed: 2024, temperature: 0.7, topK: 5 });
    const first = [...a.sample(logits.subarray(0, 20 * V), V).tokens];
    const saved = a.state;
    expect(saved).toEqual({ seed: 2024, counter: 20 });
    const second = [...a.sample(logits.subarray(20 * V), V).tokens];
    const whole = new Sampler({ seed: 2024, temperature: 0.7, topK: 5 }).sample(logits, V);
    expect([...first, ...second]).toEqual([...whole.tokens]);
    const resumed = new Sampler({ temperature: 0.7, topK: 5, ...saved });
    expect([...resumed.sample(logits.subarray(20 * V), V).tokens]).toEqual(second);
    expect(new Sampler({ seed: 2025, temperature: 0.7, topK: 5 }).sample(logits, V).tokens).not.toEqual(whole.tokens);
  });

  it('huge and tiny logits and temperatures stay finite', () => {
    const logits = Float32Array.from([3e38, -3e38, 0, 3e38]);
    for (const temperature of [1e-30, 1, 1e30]) {
      const out = sampleLogits(logits, 4, { temperature, seed: 1 });
      expect(Number.isFinite(out.logProbs[0])).toBe(true);
      expect([0, 2, 3]).toContain(out.tokens[0]);
    }
  });
});

describe('bad sampler input', () => {
  const logits = Float32Array.from([0.1, 0.2, 0.3, 0.4]);
  it('refuses bad temperature, top-k, top-p, seed and counter', () => {
    for (const temperature of [-1, NaN, Infinity])
      expectCode(() => sampleLogits(logits, 4, { temperature }), 'E_BAD_OPTION');
    for (const topK of [0, -3, 1.5, NaN]) expectCode(() => sampleLogits(logits, 4, { topK }), 'E_BAD_OPTION');
    for (const topP of [0, -0.1, 1.01, NaN]) expectCode(() => sampleLogits(logits, 4, { topP }), 'E_BAD_OPTION');
    expectCode(() => sampleLogits(logits, 4, { seed: -1 }), 'E_BAD_OPTION');
    expectCode(() => sampleLogits(logits, 4, { counter: 2 ** 32 }), 'E_BAD_OPTION');
    expectCode(() => new Sampler({ temperature: -0.5 }), 'E_BAD_OPTION');
  });

  it('temperature 0 is greedy', () => {
    const rows = Float32Array.from([0.1, 2, -1, 1.9, 3, 0, 0.5, 2.9]);
    expect(sampleLogits(rows, 4, { temperature: 0, seed: 5 }).tokens).toEqual(
      sampleLogits(rows, 4, { greedy: true }).tokens,
    );
  });

  it('refuses logits with NaN or +-Infinity, naming the position', () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const l = new Float32Array(12);
      l[7] = bad;
      const error = expectCode(() => sampleLogits(l, 4), 'E_BAD_LOGITS');
      expect(error.message).toContain('logits[1, 3]');
      expectCode(() => sampleLogits(l, 4, { greedy: true }), 'E_BAD_LOGITS');
    }
  });

  it('refuses logits of the wrong shape', () => {
    expectCode(() => sampleLogits(logits, 3), 'E_BAD_SHAPE');
    expectCode(() => sampleLogits(new Float32Array(0), 4), 'E_BAD_SHAPE');
    expectCode(() => sampleLogits([0.1, 0.2] as unknown as Float32Array, 2), 'E_BAD_SHAPE');
    expectCode(() => sampleLogits(logits, 0), 'E_BAD_SHAPE');
  });
});
