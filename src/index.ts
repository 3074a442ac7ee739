export { DeepRnnError } from './errors.js';
export type { ErrorCode } from './errors.js';
export type * from './model/types.js';
export { parameterShapes, initParameters } from './model/params.js';
