/**
 * What `deeprnn/generate` exports: a checkpoint loaded for generation and evaluation (TextModel's API)
 * on the forward kernels alone (build/nn-forward.wasm), with none of training's code or memory. An int8
 * checkpoint computes from its int8 weights; an f16 one from its values widened to f32.
 */
import { createInt8ForwardModel } from '../backends/wasm/int8-engine.js';
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
    const q = ckpt.quantization;
    const model =
      q?.format === 'int8'
        ? await createInt8ForwardModel(ckpt.config, ckpt.params, nnForwardWasm, q.weights)
        : await createWasmForwardModel(ckpt.config, ckpt.params, nnForwardWasm);
    return new TextGenerator(vocab, model, q?.format ?? null);
  }
}
