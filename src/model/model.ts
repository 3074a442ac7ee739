/**
 * The RecurrentModel contract, written once. Every rule both backends share is here: argument checks
 * (validate.ts), disposed and failed-engine checks, the optimizer step counter, the loss accumulator and
 * the non-finite rule of readLoss, which batch size the carried state is for, setState's batch
 * inference, optimizer-state checks, and splitting flat buffers into state dicts (layout.ts). The backend
 * is an Engine (engine.ts) that only computes and keeps memory, so the two cannot drift apart.
 */
import { DeepRnnError, check } from '../errors.js';
import type { Engine, FlatBuffer, StartState } from './engine.js';
import { initParameters } from './params.js';
import type {
  BackendName,
  ForwardResult,
  LossAndGradsResult,
  OptimizerState,
  RecurrentModel,
  RecurrentState,
  ResolvedConfig,
  StateDict,
  TokenTensor,
  TrainStepOptions,
} from './types.js';
import {
  validatePair,
  validateState,
  validateStateBatch,
  validateStateDict,
  validateTokens,
  validateTrainOptions,
} from './validate.js';

export class RecurrentModelCore<E extends Engine = Engine> implements RecurrentModel {
  readonly backend: BackendName;
  readonly config: ResolvedConfig;
  readonly threads: number;
  /** Batch size of the carried state; null: there is none and runs start from zeros. */
  private carried: number | null = null;
  private step = 0;
  /** Whether the Adam moments hold state: after an Adam step, or loading a state that has them. */
  private adamUsed = false;
  /** Training steps and their tokens since the last readLoss. */
  private steps = 0;
  private tokens = 0;
  private disposed = false;

  /** Takes the engine (built for a validated config) and loads the initial weights into it. */
  constructor(protected readonly engine: E) {
    this.backend = engine.backend;
    this.config = engine.config;
    this.threads = engine.threads;
    this.writeDict('params', initParameters(this.config));
  }

  parameterShapes(): Array<[name: string, shape: number[]]> {
    this.live();
    return this.engine.layout.entries.map((e) => [e.name, [...e.shape]]);
  }

  loadStateDict(dict: StateDict): void {
    this.live();
    validateStateDict(dict, this.config);
    this.writeDict('params', dict);
  }

  async stateDict(): Promise<StateDict> {
    this.live();
    const [flat] = await this.engine.read(['params']);
    return this.split(flat);
  }

  async getState(): Promise<RecurrentState | null> {
    this.live();
    return this.carried === null ? null : this.engine.readState();
  }

  setState(state: RecurrentState | null, batchSize?: number): void {
    this.live();
    if (state === null) {
      this.carried = null;
      return;
    }
    const batch = validateStateBatch(state, this.config, batchSize);
    this.engine.writeState(state, batch);
    this.carried = batch;
  }

  async forward(x: TokenTensor, state?: RecurrentState | null): Promise<ForwardResult> {
    this.live();
    const [B] = validateTokens(x, this.config.vocabSize, 'X');
    const run = this.engine.forward(x, this.start(B, state));
    this.carried = B;
    return run;
  }

  async lossAndGrads(x: TokenTensor, y: TokenTensor, state?: RecurrentState | null): Promise<LossAndGradsResult> {
    this.live();
    const [B] = validatePair(x, y, this.config.vocabSize);
    const run = this.engine.lossAndGrads(x, y, this.start(B, state), this.step);
    this.carried = B;
    const r = await run;
    return { ...r, grads: this.split(r.grads) };
  }

  trainStep(x: TokenTensor, y: TokenTensor, options: TrainStepOptions): void {
    this.live();
    const { resetState, ...o } = validateTrainOptions(options);
    const [B, T] = validatePair(x, y, this.config.vocabSize);
    const adam = o.optimizer === 'adam';
    this.engine.trainStep(x, y, this.start(B, resetState ? null : undefined), {
      ...o,
      step: this.step,
      zeroMoments: adam && !this.adamUsed,
    });
    this.carried = B;
    // A skipped step advances the counter too: only the device knows it was skipped, and it is not
    // asked before readLoss.
    this.step++;
    if (adam) this.adamUsed = true;
    this.steps++;
    this.tokens += B * T;
  }

  async readLoss(): Promise<{ loss: number; tokens: number }> {
    this.live();
    const { steps, tokens } = this;
    this.steps = 0;
    this.tokens = 0;
    if (steps === 0) return { loss: NaN, tokens: 0 };
    const { lossSum, skipped } = await this.engine.takeLoss();
    if (skipped > 0) {
      throw new DeepRnnError(
        'E_NOT_FINITE',
        `${skipped} of the ${steps} training steps since the loss was last read had a non-finite loss or gradient norm and were skipped, parameters not updated (lower the learning rate or clip gradients)`,
      );
    }
    return { loss: lossSum / tokens, tokens };
  }

  async optimizerState(): Promise<OptimizerState> {
    this.live();
    const step = this.step;
    if (!this.adamUsed) return { step };
    const [m, v] = await this.engine.read(['adamM', 'adamV']);
    return { step, adam: { m: this.split(m), v: this.split(v) } };
  }

  loadOptimizerState(state: OptimizerState): void {
    this.live();
    check(typeof state === 'object' && state !== null, 'optimizer state must be an object');
    check(
      Number.isInteger(state.step) && state.step >= 0,
      `optimizer step must be a non-negative integer, got ${String(state.step)}`,
    );
    const { adam } = state;
    if (adam !== undefined) {
      check(typeof adam === 'object' && adam !== null, 'optimizer state adam must be {m, v}', 'E_STATE_DICT');
      validateStateDict(adam.m, this.config);
      validateStateDict(adam.v, this.config);
      this.writeDict('adamM', adam.m);
      this.writeDict('adamV', adam.v);
    }
    this.adamUsed = adam !== undefined;
    this.step = state.step;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.engine.dispose();
  }

  protected live(): void {
    if (this.disposed) throw new DeepRnnError('E_DISPOSED', 'this model was disposed');
    const failure = this.engine.failure();
    if (failure !== null) throw failure;
  }

  /**
   * Where a run for `batch` starts: a given state, zeros (null), or the carried one when it is for this
   * batch size (zeros otherwise). Until the run is under way nothing is carried, so a run that fails
   * part way leaves zeros.
   */
  private start(batch: number, state: RecurrentState | null | undefined): StartState {
    let start: StartState = 'zeros';
    if (state !== null && state !== undefined) {
      validateState(state, this.config, batch);
      start = state;
    } else if (state === undefined && this.carried === batch) {
      start = 'carried';
    }
    this.carried = null;
    return start;
  }

  private writeDict(buffer: FlatBuffer, dict: StateDict): void {
    for (const e of this.engine.layout.entries) this.engine.write(buffer, e.offset, dict[e.name].data);
  }

  private split(flat: Float32Array): StateDict {
    const dict: StateDict = {};
    for (const e of this.engine.layout.entries)
      dict[e.name] = { shape: [...e.shape], data: flat.slice(e.offset, e.offset + e.size) };
    return dict;
  }
}
