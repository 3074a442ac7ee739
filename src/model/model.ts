/**
 * The RecurrentModel contract, written once. ForwardModelCore (forward.ts) keeps the rules of forward
 * and the carried state; the training rules both backends share are here: the optimizer step counter,
 * the loss accumulator and the non-finite rule of readLoss, optimizer-state checks. The backend is an
 * Engine (engine.ts) that only computes and keeps memory, so the two cannot drift apart.
 */
import { DeepRnnError, check } from '../errors.js';
import type { Engine, FlatBuffer } from './engine.js';
import { ForwardModelCore } from './forward.js';
import { initParameters } from './params.js';
import type {
  LossAndGradsResult,
  OptimizerState,
  RecurrentModel,
  RecurrentState,
  StateDict,
  TokenTensor,
  TrainStepOptions,
} from './types.js';
import { validatePair, validateStateDict, validateTrainOptions } from './validate.js';

export class RecurrentModelCore<E extends Engine = Engine> extends ForwardModelCore<E> implements RecurrentModel {
  private step = 0;
  /** Whether the Adam moments hold state: after an Adam step, or loading a state that has them. */
  private adamUsed = false;
  /** Training steps and their tokens since the last readLoss. */
  private steps = 0;
  private tokens = 0;

  /** Takes the engine (built for a validated config) and loads the initial weights into it. */
  constructor(engine: E) {
    super(engine, initParameters(engine.config));
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
    this.parametersChanged();
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

  /** The Adam moments (the parameters are ForwardModelCore's). */
  private writeDict(buffer: FlatBuffer, dict: StateDict): void {
    for (const e of this.engine.layout.entries) this.engine.write(buffer, e.offset, dict[e.name].data);
  }
}
