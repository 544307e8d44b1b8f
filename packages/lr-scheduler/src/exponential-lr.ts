import type { Optimizer } from '@tsoptim/optim';
import { checkFields, loadNumbers } from './internal/fields.js';
import { declareOptions, num, readOptions } from './internal/options.js';
import { LRScheduler, type LRSchedulerOptions, SCHEDULER_OPTIONS, type SchedulerStateDict } from './lr-scheduler.js';

const OPTIONS = declareOptions('ExponentialLR', [...SCHEDULER_OPTIONS, { name: 'gamma', required: true, check: num() }]);

/** Options of {@link ExponentialLR}. */
export interface ExponentialLROptions extends LRSchedulerOptions {
  /** Multiplicative factor of the decay per epoch. */
  gamma: number;
}

/**
 * Decays each group's lr by `gamma` every epoch (torch.optim.lr_scheduler.ExponentialLR):
 *
 *   lr_t = base_lr · γ^t
 *
 * @example
 * const sched = new ExponentialLR(opt, { gamma: 0.95 });
 */
export class ExponentialLR extends LRScheduler {
  gamma: number;

  /** @throws TypeError_ for an unknown option, a missing `gamma`, or a value of the wrong type. */
  constructor(optimizer: Optimizer, options: ExponentialLROptions) {
    const o = readOptions<ExponentialLROptions>(OPTIONS, options);
    super(optimizer, o);
    this.gamma = o.gamma;
    this.initialStep();
  }

  protected override computeLr(): number[] {
    const lrs = this.groups().map((g) => g.lr as number);
    // A resumed scheduler's initial step must not move the lr one step ahead of itself.
    if (this.isInitial) return lrs;
    return lrs.map((lr) => lr * this.gamma);
  }

  override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** this.lastEpoch);
  }

  protected override ownState(): SchedulerStateDict {
    return { gamma: this.gamma };
  }
  protected override checkOwnState(sd: SchedulerStateDict): void {
    checkFields(sd, OPTIONS, { gamma: 'gamma' });
  }
  protected override loadOwnState(sd: SchedulerStateDict): void {
    loadNumbers(this, sd, { gamma: 'gamma' });
  }
}
