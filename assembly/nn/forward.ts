// The forward kernels alone (build/nn-forward.wasm), for the generation-only entry point `deeprnn/generate`:
// the same functions as index.ts exports, compiled from the same sources with the same flags, so they give
// the same bits; without backward, loss, dropout and optimizer kernels the module is a third of the size.
export { gemm, gemmPrepacked, gemmWide, packPanelsT, packWideT } from './gemm';
export { transpose, gatherRows, addRowBias } from './tensor';
export { lstmForward } from './lstm';
export { gruForward } from './gru';
export { rnnForward } from './rnn';
export { heapBase } from './heap';
export { quantizeRows, qgemm, gatherQRows } from './int8';
