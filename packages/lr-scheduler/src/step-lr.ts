import type { Optimizer } from '@tsoptim/optim';
import { checkFields, loadNumbers } from './internal/fields.js';
import { declareOptions, num, readOptions } from './internal/options.js';
import { pyMod } from './internal/py.js';
import { LRScheduler, type LRSchedulerOptions, SCHEDULER_OPTIONS, type SchedulerStateDict } from './lr-scheduler.js';

const OPTIONS = declareOptions('StepLR', [
  ...SCHEDULER_OPTIONS,
  { name: 'stepSize', required: true, check: num({ int: true, min: 1 }) },
  { name: 'gamma', default: 0.1, check: num() },
]);

/** Options of {@link StepLR}. */
export interface StepLROptions extends LRSchedulerOptions {
  /** Period of the decay, in epochs. */
  stepSize: number;
  /** Multiplicative factor of the decay (default 0.1). */
  gamma?: number;
}

/**
 * Decays each group's lr by `gamma` every `stepSize` epochs (torch.optim.lr_scheduler.StepLR):
 *
 *   lr_t = base_lr · γ^⌊t / stepSize⌋
 *
 * Chainable: the decay multiplies the group's current lr, so it composes with other schedulers.
 *
 * @example
 * const sched = new StepLR(opt, { stepSize: 30, gamma: 0.1 }); // 0.05 → 0.005 at epoch 30 → 0.0005 at 60
 */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;

  /** @throws TypeError_ for an unknown option, a missing `stepSize`, or a value of the wrong type; ValueError out of range. */
  constructor(optimizer: Optimizer, options: StepLROptions) {
    const o = readOptions<Required<Pick<StepLROptions, 'stepSize' | 'gamma'>> & LRSchedulerOptions>(OPTIONS, options);
    super(optimizer, o);
    this.stepSize = o.stepSize;
    this.gamma = o.gamma;
    this.initialStep();
  }

  protected override computeLr(): number[] {
    const lrs = this.groups().map((g) => g.lr as number);
    if (this.lastEpoch === 0 || pyMod(this.lastEpoch, this.stepSize) !== 0) return lrs;
    return lrs.map((lr) => lr * this.gamma);
  }

  override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }

  protected override ownState(): SchedulerStateDict {
    return { step_size: this.stepSize, gamma: this.gamma };
  }
  protected override checkOwnState(sd: SchedulerStateDict): void {
    checkFields(sd, OPTIONS, { step_size: 'stepSize', gamma: 'gamma' });
  }
  protected override loadOwnState(sd: SchedulerStateDict): void {
    loadNumbers(this, sd, { step_size: 'stepSize', gamma: 'gamma' });
  }
}
