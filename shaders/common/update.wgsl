// Bindings 0-4 and the skip test of the optimizer kernels (sgd_step, adam_step), which run one invocation
// per parameter over the flat buffers; a kernel binds its own state from binding 5.
//!include step
struct Dims { count: u32 }

@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<uniform> st: Step;
@group(0) @binding(2) var<storage, read> scalars: array<f32>; // [mean loss, loss sum, grad norm, clip scale, skip step, skipped steps, 0, 0]
@group(0) @binding(3) var<storage, read> grads: array<f32>;         // (P)
@group(0) @binding(4) var<storage, read_write> params: array<f32>;  // (P)

// Out of range, or the whole update skipped because clip_scale flagged a non-finite loss or norm.
fn no_update(i: u32) -> bool { return i >= d.count || scalars[4] != 0.0; }
