import type { Optimizer } from '@tsoptim/optim';
import { checkFields, loadNumbers } from './internal/fields.js';
import { declareOptions, num, readOptions } from './internal/options.js';
import { LRScheduler, type LRSchedulerOptions, SCHEDULER_OPTIONS, type SchedulerStateDict } from './lr-scheduler.js';

const OPTIONS = declareOptions('PolynomialLR', [
  ...SCHEDULER_OPTIONS,
  { name: 'totalIters', default: 5, check: num({ int: true, min: 1 }) },
  { name: 'power', default: 1.0, check: num() },
]);

/** Options of {@link PolynomialLR}. */
export interface PolynomialLROptions extends LRSchedulerOptions {
  /** Number of steps of the decay (default 5). */
  totalIters?: number;
  /** Power of the polynomial (default 1). */
  power?: number;
}

/**
 * Decays each group's lr polynomially to zero over `totalIters` steps (torch.optim.lr_scheduler.PolynomialLR):
 *
 *   lr_t = base_lr · (1 − min(t, totalIters) / totalIters)^power
 *
 * @example
 * const sched = new PolynomialLR(opt, { totalIters: 50, power: 0.9 });
 */
export class PolynomialLR extends LRScheduler {
  totalIters: number;
  power: number;

  constructor(optimizer: Optimizer, options: PolynomialLROptions = {}) {
    const o = readOptions<Required<Pick<PolynomialLROptions, 'totalIters' | 'power'>> & LRSchedulerOptions>(OPTIONS, options);
    super(optimizer, o);
    this.totalIters = o.totalIters;
    this.power = o.power;
    this.initialStep();
  }

  protected override computeLr(): number[] {
    const lrs = this.groups().map((g) => g.lr as number);
    if (this.isInitial || this.lastEpoch > this.totalIters) return lrs;
    const f = ((1.0 - this.lastEpoch / this.totalIters) / (1.0 - (this.lastEpoch - 1) / this.totalIters)) ** this.power;
    return lrs.map((lr) => lr * f);
  }

  override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * (1.0 - Math.min(this.totalIters, this.lastEpoch) / this.totalIters) ** this.power);
  }

  protected override ownState(): SchedulerStateDict {
    return { total_iters: this.totalIters, power: this.power };
  }
  protected override checkOwnState(sd: SchedulerStateDict): void {
    checkFields(sd, OPTIONS, { total_iters: 'totalIters', power: 'power' });
  }
  protected override loadOwnState(sd: SchedulerStateDict): void {
    loadNumbers(this, sd, { total_iters: 'totalIters', power: 'power' });
  }
}
