// The CPU backend's kernels (build/nn.wasm, build/nn-relaxed.wasm, and their shared-memory twins
// build/nn-threads.wasm, build/nn-relaxed-threads.wasm). Raw exports only: every function takes byte
// pointers into the one linear memory and sizes; src/backends/wasm/ lays out the arena above heapBase().
// The *Rows / *Cols / *Range / *Seq variants compute one thread's share of a product or loop.
export {
  gemm,
  gemmRows,
  gemmPrepacked,
  gemmPrepackedRows,
  gemmWide,
  packPanels,
  packPanelsT,
  packWideT,
  scratchBytes,
  useScratch,
} from './gemm';
export { transpose, gatherRows, scatterAddRows, scatterAddCols, colSum, colSumCols, addRowBias, mulInto } from './tensor';
export { lstmForward, lstmBackward } from './lstm';
export { gruForward, gruBackward } from './gru';
export { rnnForward, rnnBackward } from './rnn';
export { lstmForwardSeq, gruForwardSeq, rnnForwardSeq, lstmBackwardSeq, gruBackwardSeq, rnnBackwardSeq } from './recurrence';
export { softmaxXent, softmaxXentRows } from './xent';
export { dropoutMask, dropoutMaskRange } from './dropout';
export { sumSquares, sgdStep, adamStep } from './optim';
export { quantizeRows, qgemm, gatherQRows } from './int8';
export { heapBase } from './heap';
