// Scalar activations shared by the cells. Inputs are clamped where exp would overflow, so magnitude-100
// pre-activations give exact 0/1/+-1 instead of NaN.

// @ts-ignore: decorator
@inline
export function sigmoid(x: f32): f32 {
  return 1 / (1 + Mathf.exp(-max<f32>(x, -80)));
}

// @ts-ignore: decorator
@inline
export function tanhf(x: f32): f32 {
  return Mathf.tanh(x);
}
