/**
 * What a backend provides to ForwardModelCore (forward.ts) and RecurrentModelCore (model.ts): the
 * computing and the memory, no rules. The core has validated every argument, decided where each run
 * starts and keeps every counter; an engine never throws a contract error of its own (E_TOO_LARGE, a
 * lost device and a failed worker thread are its only failures).
 */
import type { DeepRnnError } from '../errors.js';
import type { ParamLayout } from './layout.js';
import type { BackendName, RecurrentState, ResolvedConfig, TokenTensor, TrainStepOptions } from './types.js';

/**
 * Where a run starts: zeros, a given state (checked for this batch size), or 'carried': the final state
 * the engine kept from its last run or writeState, which the core has checked is for this batch size.
 */
export type StartState = 'zeros' | 'carried' | RecurrentState;

/** The parameter-sized flat buffers of an engine, all laid out by `layout`. */
export type FlatBuffer = 'params' | 'adamM' | 'adamV';

export interface EngineStep extends Required<Omit<TrainStepOptions, 'resetState'>> {
  /** Optimizer steps taken before this one: the dropout mask counter; Adam's t is step + 1. */
  step: number;
  /** Zero the Adam moments before this step (Adam was not in use until now). */
  zeroMoments: boolean;
}

export interface EngineRun {
  /** (steps * batch, vocab), time-major. */
  logits: Float32Array;
  /** The final state, which the engine also keeps as its carried state. */
  state: RecurrentState;
}

export interface EngineGrads extends EngineRun {
  loss: number;
  gradNorm: number;
  /** Flat, by `layout`. */
  grads: Float32Array;
}

/**
 * What ForwardModelCore (forward.ts) needs: parameters, the carried state, forward. forward (and
 * Engine's lossAndGrads) do (or submit) all their work before they return, so the carried state is in
 * place at once, and throw rather than reject when they cannot run (E_TOO_LARGE); only the promise of
 * their results waits on the device.
 */
export interface ForwardEngine {
  readonly backend: BackendName;
  readonly config: ResolvedConfig;
  readonly layout: ParamLayout;
  /** Threads it computes on (the WASM backend's pool; 1 otherwise). */
  readonly threads: number;
  /**
   * The error every call throws once the engine can no longer compute (E_DEVICE_LOST: the GPU device
   * was lost; E_WORKER_FAILED: a worker thread failed or died), or null.
   */
  failure(): DeepRnnError | null;

  /** Writes `data` at element `offset` of a flat buffer. */
  write(buffer: 'params', offset: number, data: Float32Array): void;
  /** Fresh copies of whole flat buffers. */
  read(buffers: 'params'[]): Promise<Float32Array[]>;
  /** Keeps a copy of `state`, (layers, batch, hidden), as the carried state. */
  writeState(state: RecurrentState, batch: number): void;
  /** A copy of the carried state (asked only when there is one). */
  readState(): Promise<RecurrentState>;

  /**
   * Forward without dropout; with `out` (checked for this run), the results are written into its arrays
   * and the run resolves to it. `out.state` may be the start state itself.
   */
  forward(x: TokenTensor, start: StartState, out?: EngineRun): Promise<EngineRun>;

  /** Releases everything the engine owns. */
  dispose(): void;
}

/** What RecurrentModelCore (model.ts) needs besides: gradients, the optimizers and their state. */
export interface Engine extends ForwardEngine {
  write(buffer: FlatBuffer, offset: number, data: Float32Array): void;
  read(buffers: FlatBuffer[]): Promise<Float32Array[]>;
  /** Forward with dropout (masks for `step`), loss, backward; gradients into 'grads', no update. */
  lossAndGrads(x: TokenTensor, y: TokenTensor, start: StartState, step: number): Promise<EngineGrads>;
  /**
   * lossAndGrads, then the clipped update. A step whose loss or gradient norm is not finite leaves the
   * parameters and Adam moments as they were and counts as skipped; otherwise its loss sum is
   * accumulated. Nothing is read back: on a GPU the decision is made on the device.
   */
  trainStep(x: TokenTensor, y: TokenTensor, start: StartState, o: EngineStep): void;
  /** The loss sum and skipped-step count accumulated by trainStep since the last call; zeroes both. */
  takeLoss(): Promise<{ lossSum: number; skipped: number }>;
}
