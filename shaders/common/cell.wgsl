// Batch rows per invocation of the cell kernels (src/webgpu/stack.ts dispatches ceil(B/BB) workgroups
// in y): the h (or dgates) loads are uniform across the workgroup and each weight load serves BB rows.
const BB: u32 = 8u;
