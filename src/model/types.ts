/**
 * The contract both backends (WebGPU, WASM) offer. Tests, the training API and users verifying deeprnn
 * against PyTorch all go through it, so both must behave identically here, errors included: it is
 * implemented once, by RecurrentModelCore (model.ts), over each backend's Engine (engine.ts).
 */
export type CellType = 'rnn' | 'gru' | 'lstm';
export type Nonlinearity = 'tanh' | 'relu';
export type BackendName = 'wasm' | 'webgpu';
export type BackendChoice = BackendName | 'auto';
export type OptimizerName = 'sgd' | 'adam';

export interface ModelConfig {
  cell: CellType;
  /** Only for cell 'rnn'; default 'tanh'. */
  nonlinearity?: Nonlinearity;
  layers: number;
  hidden: number;
  vocabSize: number;
  /** Dropout on the outputs of every layer but the last, as PyTorch's `dropout` argument; default 0. */
  dropout?: number;
  /** Seeds parameter initialization and dropout masks; default 0. */
  seed?: number;
}

export type ResolvedConfig = Required<ModelConfig>;

/** A float tensor, row-major, as in PyTorch's state_dict (and test/fixtures). */
export interface Tensor {
  shape: number[];
  data: Float32Array;
}

/** Token ids, row-major (batch, steps). */
export interface TokenTensor {
  shape: [number, number];
  data: Int32Array;
}

/** Parameters (or gradients) under d2l RNNModel state_dict names: rnn.weight_ih_l0, ..., linear.bias. */
export type StateDict = Record<string, Tensor>;

/** Recurrent state, each (layers, batch, hidden) row-major; `c` only for LSTM. */
export interface RecurrentState {
  h: Float32Array;
  c?: Float32Array;
}

export interface AdamOptions {
  beta1?: number; // default 0.9
  beta2?: number; // default 0.999
  eps?: number; // default 1e-8
}

export interface TrainStepOptions extends AdamOptions {
  optimizer?: OptimizerName; // default 'sgd'
  lr: number;
  /** Global L2 norm threshold theta; grads are scaled by min(1, theta/norm). Default Infinity (no clipping). */
  clip?: number;
  /** Start this step from zeros instead of the carried state (d2l random partitioning). Default false. */
  resetState?: boolean;
}

export interface ForwardResult {
  /** (steps * batch, vocab), time-major: row t*batch + b, as d2l. */
  logits: Float32Array;
  state: RecurrentState;
}

export interface LossAndGradsResult extends ForwardResult {
  /** Mean cross-entropy over all batch*steps positions. */
  loss: number;
  grads: StateDict;
  /** Global L2 norm of all gradients. */
  gradNorm: number;
}

/** Everything beyond the parameters that training needs to continue bit-identically. */
export interface OptimizerState {
  /** Number of optimizer steps taken, skipped ones included (Adam's t; also the dropout mask counter). */
  step: number;
  /** Adam first and second moments, by parameter name; absent when Adam was never used. */
  adam?: { m: StateDict; v: StateDict };
}

/**
 * What generation and evaluation need: the parameters, the carried state and forward. RecurrentModel
 * extends it with training; the generation-only entry point (`deeprnn/generate`) has only this.
 */
export interface ForwardModel {
  readonly backend: BackendName;
  readonly config: ResolvedConfig;
  /**
   * Counts the changes to the parameters (loadStateDict, training steps), so that a copy of them (the WASM
   * copy a WebGPU LanguageModel generates with) knows when it is stale.
   */
  readonly parameterVersion: number;
  /** Threads computing each call: the WASM backend's worker pool plus the calling thread; 1 on WebGPU. */
  readonly threads: number;

  /** Parameter names in PyTorch order, with their shapes. */
  parameterShapes(): Array<[name: string, shape: number[]]>;
  loadStateDict(dict: StateDict): void;
  stateDict(): Promise<StateDict>;

  /**
   * The carried state: the final state of the last forward pass (detached), for the batch size it ran
   * with. `setState(null)` resets it to zeros.
   */
  getState(): Promise<RecurrentState | null>;
  setState(state: RecurrentState | null, batchSize?: number): void;

  /**
   * Forward only (no dropout). Starts from `state`, or the carried state when omitted; updates the carried state.
   * `out`: arrays to write the results into instead of new ones - logits of (steps * batch) * vocab values
   * and a state for this batch, which may be `state` itself (updated in place) - so that a loop of steps
   * allocates nothing; the promise resolves to `out`.
   */
  forward(x: TokenTensor, state?: RecurrentState | null, out?: ForwardResult): Promise<ForwardResult>;

  /** Frees every buffer, pipeline and WASM memory the model owns. Later calls throw E_DISPOSED. */
  dispose(): void;
}

export interface RecurrentModel extends ForwardModel {
  /** Forward + backward; no parameter update. Starts like forward(); updates the carried state. */
  lossAndGrads(x: TokenTensor, y: TokenTensor, state?: RecurrentState | null): Promise<LossAndGradsResult>;

  /**
   * One training step: forward, backward through time from the carried (detached) state, global-norm
   * clipping, optimizer update. On WebGPU this is one queue submission with no readback: the loss is
   * accumulated on the device and read with readLoss().
   *
   * A step whose loss or gradient norm is not finite in float32 is skipped: parameters and Adam moments
   * stay as they were, and the next readLoss() throws E_NOT_FINITE. It does not throw here (the GPU
   * decides on the device, and nothing is read back per step), and it still counts as a step: the
   * optimizer step counter advances, as for any step.
   */
  trainStep(x: TokenTensor, y: TokenTensor, options: TrainStepOptions): void;

  /**
   * Mean training loss over the steps since the last call (token-weighted), then resets the accumulator.
   * No steps since the last call: `{ loss: NaN, tokens: 0 }`. Throws E_NOT_FINITE, saying how many, when
   * any of those steps was skipped (see trainStep); the accumulator is reset all the same.
   */
  readLoss(): Promise<{ loss: number; tokens: number }>;

  optimizerState(): Promise<OptimizerState>;
  loadOptimizerState(state: OptimizerState): void;
}
