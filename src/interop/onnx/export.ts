/**
 * A deeprnn model as a standard ONNX graph (opset 17), one graph for every batch size and length:
 *
 *   input_ids int64 (batch, seq) -> Transpose -> OneHot (seq, batch, vocab)          d2l's one-hot input
 *   layer l: LSTM | GRU | RNN (X, W, R, B, -, h0[l:l+1] [, c0[l:l+1]]) -> Squeeze(Y, 1)   one op per layer
 *   Transpose (batch, seq, hidden) -> MatMul linear.weight^T -> Add linear.bias -> logits (batch, seq, vocab)
 *   hn = Concat(Y_h of every layer) (layers, batch, hidden); cn likewise for LSTM
 *
 * OneHot then the op's own X W^T is exact (one product by 1, the rest by 0), needs no vocab x vocab
 * constant, and is the pattern torch.onnx writes for d2l's model. Gates are reordered to ONNX's (LSTM
 * i,o,f,c; GRU z,r,h with linear_before_reset = 1, which is PyTorch's GRU); B is [b_ih, b_hh] per layer.
 * metadata_props carry the checkpoint metadata (format, version, config, vocab, text, seed), so that
 * LanguageModel.load reads the file back into the same model.
 */
import { modelMetadata, type Checkpoint } from '../../checkpoint/index.js';
import { gateCount } from '../../model/params.js';
import { TO_ONNX, permuteBlocks, transpose } from '../weights.js';
import {
  AttrType,
  DataType,
  encodeModel,
  floatTensor,
  int64Tensor,
  type OnnxAttribute,
  type OnnxNode,
  type OnnxTensor,
} from './onnx-proto.js';

export const OPSET = 17;
/** The IR version that goes with opset 17 (ONNX 1.12). */
const IR_VERSION = 8;

const OP: Record<Checkpoint['config']['cell'], string> = { lstm: 'LSTM', gru: 'GRU', rnn: 'RNN' };

const ints = (name: string, values: number[]): OnnxAttribute => ({ name, type: AttrType.INTS, ints: values });
const int = (name: string, value: number): OnnxAttribute => ({ name, type: AttrType.INT, i: value });

export function checkpointToOnnx(ckpt: Checkpoint, producerVersion: string): Uint8Array<ArrayBuffer> {
  const metadataProps = modelMetadata(ckpt); // checks the config, parameters and vocabulary first
  const { cell, layers: L, hidden: H, vocabSize: V, nonlinearity } = ckpt.config;
  const p = ckpt.params;
  const lstm = cell === 'lstm';
  const nodes: OnnxNode[] = [];
  const initializer: OnnxTensor[] = [];
  const node = (opType: string, input: string[], output: string[], attribute: OnnxAttribute[] = []) =>
    nodes.push({ name: `${opType}_${nodes.length}`, opType, domain: '', input, output, attribute });

  initializer.push(int64Tensor('onehot_depth', [1], [V]), floatTensor('onehot_values', [2], Float32Array.of(0, 1)));
  initializer.push(int64Tensor('axis_0', [1], [0]), int64Tensor('axis_1', [1], [1]));
  node('Transpose', ['input_ids'], ['ids_time_major'], [ints('perm', [1, 0])]);
  node('OneHot', ['ids_time_major', 'onehot_depth', 'onehot_values'], ['x_0'], [int('axis', -1)]);

  const order = TO_ONNX[cell];
  const G = gateCount(cell);
  const yh: string[] = [];
  const yc: string[] = [];
  for (let l = 0; l < L; l++) {
    const inputSize = l === 0 ? V : H;
    const w = permuteBlocks(p[`rnn.weight_ih_l${l}`].data, order);
    const r = permuteBlocks(p[`rnn.weight_hh_l${l}`].data, order);
    const b = new Float32Array(2 * G * H);
    b.set(permuteBlocks(p[`rnn.bias_ih_l${l}`].data, order));
    b.set(permuteBlocks(p[`rnn.bias_hh_l${l}`].data, order), G * H);
    initializer.push(
      floatTensor(`W_${l}`, [1, G * H, inputSize], w),
      floatTensor(`R_${l}`, [1, G * H, H], r),
      floatTensor(`B_${l}`, [1, 2 * G * H], b),
      int64Tensor(`layer_${l}`, [1], [l]),
      int64Tensor(`layer_${l}_end`, [1], [l + 1]),
    );
    const slice = (state: string) => {
      node('Slice', [state, `layer_${l}`, `layer_${l}_end`, 'axis_0'], [`${state}_${l}`]);
      return `${state}_${l}`;
    };
    const inputs = [`x_${l}`, `W_${l}`, `R_${l}`, `B_${l}`, '', slice('h0')];
    const outputs = [`y_${l}`, `hn_${l}`];
    if (lstm) {
      inputs.push(slice('c0'));
      outputs.push(`cn_${l}`);
    }
    const attributes = [int('hidden_size', H)];
    if (cell === 'gru') attributes.push(int('linear_before_reset', 1));
    if (cell === 'rnn')
      attributes.push({
        name: 'activations',
        type: AttrType.STRINGS,
        strings: [nonlinearity === 'relu' ? 'Relu' : 'Tanh'],
      });
    node(OP[cell], inputs, outputs, attributes);
    // Y is (seq, num_directions = 1, batch, hidden).
    node('Squeeze', [`y_${l}`, 'axis_1'], [`x_${l + 1}`]);
    yh.push(`hn_${l}`);
    yc.push(`cn_${l}`);
  }
  node('Concat', yh, ['hn'], [int('axis', 0)]);
  if (lstm) node('Concat', yc, ['cn'], [int('axis', 0)]);

  initializer.push(
    floatTensor('linear_weight_t', [H, V], transpose(p['linear.weight'].data, V, H)),
    floatTensor('linear_bias', [V], p['linear.bias'].data),
  );
  node('Transpose', [`x_${L}`], ['y_batch_major'], [ints('perm', [1, 0, 2])]);
  node('MatMul', ['y_batch_major', 'linear_weight_t'], ['linear_out']);
  node('Add', ['linear_out', 'linear_bias'], ['logits']);

  const state = (name: string) => ({ name, elemType: DataType.FLOAT, shape: [L, 'batch', H] });
  const input = [{ name: 'input_ids', elemType: DataType.INT64, shape: ['batch', 'seq'] }, state('h0')];
  const output = [{ name: 'logits', elemType: DataType.FLOAT, shape: ['batch', 'seq', V] }, state('hn')];
  if (lstm) {
    input.push(state('c0'));
    output.push(state('cn'));
  }
  return encodeModel({
    irVersion: IR_VERSION,
    producerName: 'deeprnn',
    producerVersion,
    opsetImport: [{ domain: '', version: OPSET }],
    graph: { name: `deeprnn_${cell}`, node: nodes, initializer, input, output },
    metadataProps,
  });
}
