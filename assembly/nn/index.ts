// The CPU backend's kernels (build/nn.wasm, build/nn-relaxed.wasm). Raw exports only: every function
// takes byte pointers into the one linear memory and sizes; src/wasm/ lays out the arena above heapBase().
export { gemm, gemmPrepacked, packPanels, packPanelsT } from './gemm';
export { transpose, gatherRows, scatterAddRows, colSum, addRowBias, mulInto } from './tensor';
export { lstmForward, lstmBackward } from './lstm';
export { gruForward, gruBackward } from './gru';
export { rnnForward, rnnBackward } from './rnn';
export { softmaxXent } from './xent';
export { dropoutMask } from './dropout';
export { sumSquares, sgdStep, adamStep } from './optim';
export { heapBase } from './heap';
