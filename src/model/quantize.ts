/**
 * The two weight encodings smaller than f32, each rule written once (checkpoints and the int8 engine
 * both use them):
 *
 *   int8  symmetric, one scale per output row: W[r, :] = q[r, :] * scale[r], q in [-127, 127].
 *   f16   IEEE half precision, round to nearest even.
 *
 * The int8 scale is max|W[r, :]| / 127 nudged (by an ulp or two at most) to a value s with
 * fround(fround(127 * s) / 127) = s, so that quantizing the dequantized weights gives back the same q and
 * scale: a loaded int8 checkpoint written again, or passed through a state dict, keeps its bits.
 */
import { DeepRnnError } from '../errors.js';

export type Quantization = 'int8' | 'f16';
export const QUANTIZATIONS: readonly Quantization[] = ['int8', 'f16'];

export interface Int8Matrix {
  /** [rows, cols], PyTorch's shape of the weight. */
  shape: [number, number];
  q: Int8Array;
  scale: Float32Array;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The f32 `steps` ulps away from x (x >= 0). */
function stepF32(x: number, steps: number): number {
  f32[0] = x;
  u32[0] += steps;
  return f32[0];
}

function stableScale(maxAbs: number): number {
  const s = Math.fround(maxAbs / 127);
  if (s === 0) return 0;
  for (const steps of [0, 1, -1, 2, -2, 3, -3]) {
    const c = stepF32(s, steps);
    if (Math.fround(Math.fround(127 * c) / 127) === c) return c;
  }
  return s;
}

/** Quantizes W (rows, cols) row-major to int8 with a scale per row; `name` names it in errors. */
export function quantizeInt8(w: Float32Array, rows: number, cols: number, name: string): Int8Matrix {
  const q = new Int8Array(rows * cols);
  const scale = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let c = 0; c < cols; c++) {
      const v = Math.abs(w[r * cols + c]);
      if (!(v <= 3.4028234663852886e38))
        throw new DeepRnnError('E_NOT_FINITE', `cannot quantize ${name}: row ${r} holds ${w[r * cols + c]}`);
      if (v > m) m = v;
    }
    const s = stableScale(m);
    scale[r] = s;
    if (s === 0) continue;
    for (let c = 0; c < cols; c++) q[r * cols + c] = Math.max(-127, Math.min(127, Math.round(w[r * cols + c] / s)));
  }
  return { shape: [rows, cols], q, scale };
}

/** W[r, :] = q[r, :] * scale[r] in f32: the weights an int8 matrix stands for. */
export function dequantizeInt8(m: Int8Matrix): Float32Array {
  const [rows, cols] = m.shape;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const s = m.scale[r];
    for (let c = 0; c < cols; c++) out[r * cols + c] = m.q[r * cols + c] * s;
  }
  return out;
}

/** The f16 bits of x (round to nearest even); finite values beyond f16's range are E_TOO_LARGE. */
export function toF16Bits(x: number, name: string): number {
  f32[0] = x;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) throw new DeepRnnError('E_NOT_FINITE', `cannot store ${name} as f16: it holds ${x}`);
  const e = exp - 127 + 15;
  if (e >= 31) return tooLarge(x, name);
  if (e <= 0) {
    // Subnormal half (or zero): the mantissa with its implicit 1, shifted right, rounded half to even.
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = m & ((1 << shift) - 1);
    let h = m >>> shift;
    if (rest > half || (rest === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++; // a carry into the exponent is still right
  if ((h & 0x7c00) === 0x7c00) return tooLarge(x, name);
  return sign | h;
}

function tooLarge(x: number, name: string): never {
  throw new DeepRnnError('E_TOO_LARGE', `cannot store ${name} as f16: ${x} is beyond its range (65504)`);
}

/** The value of f16 bits h. */
export function fromF16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** f32 values rounded to f16 and back: what an f16 checkpoint holds. */
export function roundToF16(data: Float32Array, name: string): { bits: Uint16Array; values: Float32Array } {
  const bits = new Uint16Array(data.length);
  const values = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    bits[i] = toF16Bits(data[i], name);
    values[i] = fromF16Bits(bits[i]);
  }
  return { bits, values };
}
