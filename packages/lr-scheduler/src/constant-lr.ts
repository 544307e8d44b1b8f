import type { Optimizer } from '@tsoptim/optim';
import { checkFields, loadNumbers } from './internal/fields.js';
import { declareOptions, num, readOptions } from './internal/options.js';
import { LRScheduler, type LRSchedulerOptions, SCHEDULER_OPTIONS, type SchedulerStateDict } from './lr-scheduler.js';

const OPTIONS = declareOptions('ConstantLR', [
  ...SCHEDULER_OPTIONS,
  {
    name: 'factor',
    default: 1 / 3,
    check: num({ min: 0, max: 1, message: () => 'Constant multiplicative factor expected to be between 0 and 1.' }),
  },
  { name: 'totalIters', default: 5, check: num({ int: true, min: 0 }) },
]);

/** Options of {@link ConstantLR}. */
export interface ConstantLROptions extends LRSchedulerOptions {
  /** The factor applied until `totalIters` (default 1/3), in [0, 1]. */
  factor?: number;
  /** Number of steps the factor applies (default 5). */
  totalIters?: number;
}

/**
 * Multiplies each group's lr by a constant factor until `totalIters` (torch.optim.lr_scheduler.ConstantLR):
 *
 *   lr_t = base_lr · factor   (t < totalIters),   base_lr   (t ≥ totalIters)
 *
 * @throws ValueError `Constant multiplicative factor expected to be between 0 and 1.`
 * @example
 * const sched = new ConstantLR(opt, { factor: 0.5, totalIters: 4 });
 */
export class ConstantLR extends LRScheduler {
  factor: number;
  totalIters: number;

  constructor(optimizer: Optimizer, options: ConstantLROptions = {}) {
    const o = readOptions<Required<Pick<ConstantLROptions, 'factor' | 'totalIters'>> & LRSchedulerOptions>(OPTIONS, options);
    super(optimizer, o);
    this.factor = o.factor;
    this.totalIters = o.totalIters;
    this.initialStep();
  }

  protected override computeLr(): number[] {
    const lrs = this.groups().map((g) => g.lr as number);
    if (this.lastEpoch === 0) return lrs.map((lr) => lr * this.factor);
    if (this.lastEpoch !== this.totalIters) return lrs;
    return lrs.map((lr) => lr * (1.0 / this.factor));
  }

  override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * (this.factor + (this.lastEpoch >= this.totalIters ? 1 : 0) * (1 - this.factor)));
  }

  protected override ownState(): SchedulerStateDict {
    return { factor: this.factor, total_iters: this.totalIters };
  }
  protected override checkOwnState(sd: SchedulerStateDict): void {
    checkFields(sd, OPTIONS, { factor: 'factor', total_iters: 'totalIters' });
  }
  protected override loadOwnState(sd: SchedulerStateDict): void {
    loadNumbers(this, sd, { factor: 'factor', total_iters: 'totalIters' });
  }
}
