/**
 * The ForwardModel contract, written once: argument checks (validate.ts), disposed and failed-engine
 * checks (a lost GPU device, a failed worker thread), which batch size the carried state is for, setState's batch inference, and splitting flat
 * buffers into state dicts (layout.ts), over a ForwardEngine that only computes and keeps memory.
 * RecurrentModelCore (model.ts) extends it with the training rules; the generation-only entry point uses
 * it as it is.
 */
import { DeepRnnError } from '../errors.js';
import type { ForwardEngine, StartState } from './engine.js';
import type {
  BackendName,
  ForwardModel,
  ForwardResult,
  RecurrentState,
  ResolvedConfig,
  StateDict,
  TokenTensor,
} from './types.js';
import {
  validateForwardOut,
  validateState,
  validateStateBatch,
  validateStateDict,
  validateTokens,
} from './validate.js';

export class ForwardModelCore<E extends ForwardEngine = ForwardEngine> implements ForwardModel {
  readonly backend: BackendName;
  readonly config: ResolvedConfig;
  readonly threads: number;
  private version = 0;
  /** Batch size of the carried state; null: there is none and runs start from zeros. */
  protected carried: number | null = null;
  private disposed = false;

  /** Takes the engine (built for a validated config) and loads `params` (checked by the caller) into it. */
  constructor(
    protected readonly engine: E,
    params: StateDict,
  ) {
    this.backend = engine.backend;
    this.config = engine.config;
    this.threads = engine.threads;
    this.writeParams(params);
  }

  get parameterVersion(): number {
    return this.version;
  }

  parameterShapes(): Array<[name: string, shape: number[]]> {
    this.live();
    return this.engine.layout.entries.map((e) => [e.name, [...e.shape]]);
  }

  loadStateDict(dict: StateDict): void {
    this.live();
    validateStateDict(dict, this.config);
    this.writeParams(dict);
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

  async forward(x: TokenTensor, state?: RecurrentState | null, out?: ForwardResult): Promise<ForwardResult> {
    this.live();
    const [B, T] = validateTokens(x, this.config.vocabSize, 'X');
    if (out !== undefined) validateForwardOut(out, this.config, B, T);
    const run = this.engine.forward(x, this.start(B, state), out);
    this.carried = B;
    return run;
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
  protected start(batch: number, state: RecurrentState | null | undefined): StartState {
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

  /** A training step or a load changed the parameters. */
  protected parametersChanged(): void {
    this.version++;
  }

  private writeParams(dict: StateDict): void {
    for (const e of this.engine.layout.entries) this.engine.write('params', e.offset, dict[e.name].data);
    this.parametersChanged();
  }

  protected split(flat: Float32Array): StateDict {
    const dict: StateDict = {};
    for (const e of this.engine.layout.entries)
      dict[e.name] = { shape: [...e.shape], data: flat.slice(e.offset, e.offset + e.size) };
    return dict;
  }
}
