export { decodeCheckpoint, encodeCheckpoint, FORMAT, VERSION } from './checkpoint.js';
export { checkpointFromBlob, checkpointToBlob, loadCheckpoint, saveCheckpoint } from './files.js';
export { decodeSafetensors, encodeSafetensors, toFloat32 } from './safetensors.js';
export type { Dtype, F32Entry, RawTensor, SafetensorsFile } from './safetensors.js';
export type { Checkpoint, JsonValue, TextOptions, TrainingState } from './types.js';
