/**
 * The int8 and f16 rules (src/model/quantize.ts): int8 error bounded by half a step, quantizing the
 * dequantized weights gives the same bits back, f16 rounds to nearest even and every finite half
 * survives a round trip; values the encodings cannot hold are typed errors.
 */
import { describe, expect, it } from 'vitest';
import { dequantizeInt8, fromF16Bits, quantizeInt8, roundToF16, toF16Bits } from '../../src/model/quantize.js';

function randomMatrix(rows: number, cols: number, seed: number): Float32Array {
  let s = seed;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  // Rows of very different magnitudes, as trained weights have.
  return Float32Array.from({ length: rows * cols }, (_, i) => (next() - 0.5) * 10 ** ((((i / cols) | 0) % 5) - 3));
}

describe('int8, one scale per row', () => {
  const rows = 37;
  const cols = 29;
  const w = randomMatrix(rows, cols, 7);
  const m = quantizeInt8(w, rows, cols, 'w');

  it('keeps every value within half a step of its row and the largest at +-127', () => {
    const back = dequantizeInt8(m);
    for (let r = 0; r < rows; r++) {
      let top = 0;
      for (let c = 0; c < cols; c++) {
        const i = r * cols + c;
        expect(Math.abs(m.q[i])).toBeLessThanOrEqual(127);
        expect(Math.abs(back[i] - w[i])).toBeLessThanOrEqual(m.scale[r] * 0.5 * (1 + 1e-6));
        top = Math.max(top, Math.abs(m.q[i]));
      }
      expect(top).toBe(127);
    }
  });

  it('gives the same q and scales back when the dequantized weights are quantized again', () => {
    for (let seed = 1; seed < 40; seed++) {
      const x = randomMatrix(8, 16, seed);
      const first = quantizeInt8(x, 8, 16, 'x');
      const again = quantizeInt8(dequantizeInt8(first), 8, 16, 'x');
      expect(again.q).toEqual(first.q);
      expect(Array.from(again.scale)).toEqual(Array.from(first.scale));
    }
  });

  it('keeps a row of zeros at scale 0, and refuses a NaN or infinite weight', () => {
    const z = quantizeInt8(new Float32Array(6), 2, 3, 'z');
    expect(Array.from(z.scale)).toEqual([0, 0]);
    expect(Array.from(z.q)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(() => quantizeInt8(Float32Array.of(1, Number.NaN), 1, 2, 'rnn.weight_hh_l0')).toThrow(
      expect.objectContaining({ code: 'E_NOT_FINITE', message: expect.stringContaining('rnn.weight_hh_l0') }),
    );
  });
});

describe('f16', () => {
  it('round-trips every finite half exactly', () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00) continue; // Inf and NaN
      const back = toF16Bits(fromF16Bits(h), 'x');
      // -0 and +0 keep their signs
      expect(back, `half 0x${h.toString(16)}`).toBe(h);
    }
  });

  it('rounds to nearest, ties to even, through subnormals', () => {
    expect(toF16Bits(1, 'x')).toBe(0x3c00);
    expect(toF16Bits(-2, 'x')).toBe(0xc000);
    expect(toF16Bits(65504, 'x')).toBe(0x7bff);
    expect(toF16Bits(1 / 3, 'x')).toBe(0x3555);
    expect(toF16Bits(1 + 2 ** -11, 'x')).toBe(0x3c00); // tie, to even
    expect(toF16Bits(1 + 3 * 2 ** -11, 'x')).toBe(0x3c02); // tie, to even (up)
    expect(toF16Bits(2 ** -24, 'x')).toBe(0x0001);
    expect(toF16Bits(2 ** -25, 'x')).toBe(0x0000); // tie, to even (zero)
    expect(toF16Bits(3 * 2 ** -25, 'x')).toBe(0x0002);
    expect(toF16Bits(2 ** -14 - 2 ** -25, 'x')).toBe(0x0400); // rounds up into the normals
    expect(toF16Bits(1e-10, 'x')).toBe(0);
    expect(toF16Bits(-0, 'x')).toBe(0x8000);
    const { values } = roundToF16(Float32Array.of(0.1, -3.25), 'x');
    expect(Array.from(values)).toEqual([fromF16Bits(0x2e66), fromF16Bits(0xc280)]);
  });

  it('refuses values beyond its range and non-finite ones, naming the tensor', () => {
    expect(() => toF16Bits(65520, 'linear.weight')).toThrow(
      expect.objectContaining({ code: 'E_TOO_LARGE', message: expect.stringContaining('linear.weight') }),
    );
    expect(() => toF16Bits(Number.POSITIVE_INFINITY, 'b')).toThrow(expect.objectContaining({ code: 'E_NOT_FINITE' }));
  });
});
