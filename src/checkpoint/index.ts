export {
  decodeCheckpoint,
  encodeCheckpoint,
  FORMAT,
  VERSION,
  modelMetadata,
  readConfig,
  readVocabMetadata,
} from './checkpoint.js';
export { checkpointFromBlob, checkpointToBlob, loadCheckpoint, saveCheckpoint, writeFileAtomic } from './files.js';
export { decodeSafetensors, encodeSafetensors, toFloat32 } from './safetensors.js';
export type { Dtype, F32Entry, RawTensor, SafetensorsFile } from './safetensors.js';
export type { Checkpoint, JsonValue, TextOptions, TrainingState } from './types.js';
