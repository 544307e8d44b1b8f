import type { Optimizer } from '@tsoptim/optim';
import { checkFields, loadNumbers } from './internal/fields.js';
import { declareOptions, num, readOptions } from './internal/options.js';
import { LRScheduler, type LRSchedulerOptions, SCHEDULER_OPTIONS, type SchedulerStateDict } from './lr-scheduler.js';

const OPTIONS = declareOptions('LinearLR', [
  ...SCHEDULER_OPTIONS,
  {
    name: 'startFactor',
    default: 1 / 3,
    check: num({
      min: 0,
      minExclusive: true,
      max: 1,
      message: (v) => `Starting multiplicative factor expected to be greater than 0 and less or equal to 1. Got start_factor=${v}.`,
    }),
  },
  {
    name: 'endFactor',
    default: 1.0,
    check: num({ min: 0, max: 1, message: (v) => `Ending multiplicative factor expected to be between 0 and 1. Got end_factor=${v}.` }),
  },
  { name: 'totalIters', default: 5, check: num({ int: true, min: 1 }) },
]);

/** Options of {@link LinearLR}. */
export interface LinearLROptions extends LRSchedulerOptions {
  /** Factor at epoch 0 (default 1/3), in (0, 1]. */
  startFactor?: number;
  /** Factor from `totalIters` on (default 1), in [0, 1]. */
  endFactor?: number;
  /** Number of steps of the linear change (default 5). */
  totalIters?: number;
}

/**
 * Changes each group's lr by a linearly changing factor (torch.optim.lr_scheduler.LinearLR), a warmup or a decay:
 *
 *   lr_t = base_lr · (start + (end − start) · min(t, totalIters) / totalIters)
 *
 * @throws ValueError `Starting multiplicative factor expected to be greater than 0 and less or equal to 1.`,
 * `Ending multiplicative factor expected to be between 0 and 1.`
 * @example
 * const warmup = new LinearLR(opt, { startFactor: 0.1, totalIters: 5 });
 */
export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;

  constructor(optimizer: Optimizer, options: LinearLROptions = {}) {
    const o = readOptions<Required<Pick<LinearLROptions, 'startFactor' | 'endFactor' | 'totalIters'>> & LRSchedulerOptions>(
      OPTIONS,
      options,
    );
    super(optimizer, o);
    this.startFactor = o.startFactor;
    this.endFactor = o.endFactor;
    this.totalIters = o.totalIters;
    this.initialStep();
  }

  protected override computeLr(): number[] {
    const lrs = this.groups().map((g) => g.lr as number);
    if (this.lastEpoch === 0) return lrs.map((lr) => lr * this.startFactor);
    if (this.isInitial || this.lastEpoch > this.totalIters) return lrs;
    const d = this.endFactor - this.startFactor;
    return lrs.map((lr) => lr * (1.0 + d / (this.totalIters * this.startFactor + (this.lastEpoch - 1) * d)));
  }

  override closedFormLr(): number[] {
    return this.baseLrs.map(
      (b) => b * (this.startFactor + ((this.endFactor - this.startFactor) * Math.min(this.totalIters, this.lastEpoch)) / this.totalIters),
    );
  }

  protected override ownState(): SchedulerStateDict {
    return { start_factor: this.startFactor, end_factor: this.endFactor, total_iters: this.totalIters };
  }
  protected override checkOwnState(sd: SchedulerStateDict): void {
    checkFields(sd, OPTIONS, { start_factor: 'startFactor', end_factor: 'endFactor', total_iters: 'totalIters' });
  }
  protected override loadOwnState(sd: SchedulerStateDict): void {
    loadNumbers(this, sd, { start_factor: 'startFactor', end_factor: 'endFactor', total_iters: 'totalIters' });
  }
}
