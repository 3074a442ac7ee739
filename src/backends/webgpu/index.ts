export { createWebGpuModel, WebGpuModel } from './model.js';
export { probeWebGpu, requestDevice } from './device.js';
export { createDenseStack } from './dense-stack.js';
