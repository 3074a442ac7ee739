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
export type { Dtype, TensorEntry, RawTensor, SafetensorsFile } from './safetensors.js';
export type { Checkpoint, JsonValue, StoredQuantization, TextOptions, TrainingState } from './types.js';
export { quantizeCheckpoint } from './quantize.js';
