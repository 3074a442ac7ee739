// The per-call uniform of the kernels that bind it as `st` (dropout, loss_sum, clip_scale, sgd_step,
// adam_step); written by WebGpuEngine.writeStep in src/webgpu/engine.ts.
struct Step { lr: f32, clip: f32, beta1: f32, beta2: f32, eps: f32, step_size: f32, bc2_sqrt: f32, counter: u32, accumulate: u32 }
