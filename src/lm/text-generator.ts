/**
 * What `deeprnn/generate` exports: a checkpoint loaded for generation and evaluation (TextModel's API)
 * on the forward kernels alone (build/nn-forward.wasm), with none of training's code or memory.
 */
import { createWasmForwardModel } from '../backends/wasm/forward-model.js';
import { decodeCheckpoint } from '../checkpoint/checkpoint.js';
import type { ForwardModel } from '../model/types.js';
import { loadTextCore } from '../text/core.js';
import { nnForwardWasm } from '../wasm/modules.js';
import { TextModel, checkpointBytes, checkpointVocab, type CheckpointSource } from './text-model.js';

export class TextGenerator extends TextModel<ForwardModel> {
  /**
   * Loads a `.safetensors` checkpoint (deeprnn's own, or one written from PyTorch with the same metadata):
   * bytes, an ArrayBuffer (a Worker's data module) or a Blob.
   */
  static async load(source: CheckpointSource): Promise<TextGenerator> {
    const ckpt = decodeCheckpoint(await checkpointBytes(source));
    await loadTextCore();
    const vocab = checkpointVocab(ckpt);
    return new TextGenerator(vocab, await createWasmForwardModel(ckpt.config, ckpt.params, nnForwardWasm));
  }
}
