// Global gradient norm and the optimizer updates over the flat parameter arena (all parameters are one
// contiguous f32 array, gradients and Adam moments are arrays of the same layout).

/** sum of squares in f64, sequential (deterministic). */
export function sumSquares(g: usize, n: i32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const v = <f64>load<f32>(g + ((<usize>i) << 2));
    s += v * v;
  }
  return s;
}

/** p -= alpha * g (alpha = lr * clip scale). */
export function sgdStep(p: usize, g: usize, n: i32, alpha: f32): void {
  const a = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(p + o, f32x4.sub(v128.load(p + o), f32x4.mul(a, v128.load(g + o))));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(p + o, load<f32>(p + o) - alpha * load<f32>(g + o));
  }
}

/**
 * torch.optim.Adam (no weight decay, no amsgrad) on gradients scaled by gscale (the clip scale), step t:
 * m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps).
 */
export function adamStep(p: usize, g: usize, m: usize, v: usize, n: i32, gscale: f32, lr: f64, beta1: f64,
  beta2: f64, eps: f64, t: i32): void {
  const bc1 = 1 - Math.pow(beta1, <f64>t);
  const bc2 = 1 - Math.pow(beta2, <f64>t);
  const stepSize = <f32>(lr / bc1);
  const invSqrtBc2 = <f32>(1 / Math.sqrt(bc2));
  const b1 = <f32>beta1;
  const b2 = <f32>beta2;
  const e = <f32>eps;
  for (let i = 0; i < n; i++) {
    const o = (<usize>i) << 2;
    const gi = load<f32>(g + o) * gscale;
    const mi = b1 * load<f32>(m + o) + (1 - b1) * gi;
    const vi = b2 * load<f32>(v + o) + (1 - b2) * gi * gi;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(p + o, load<f32>(p + o) - stepSize * mi / (Mathf.sqrt(vi) * invSqrtBc2 + e));
  }
}
