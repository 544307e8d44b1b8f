import type { Optimizer } from '@tsoptim/optim';
import { checkFields, loadNumbers } from './internal/fields.js';
import { pyMod } from './internal/py.js';
import { declareOptions, num, readOptions } from './internal/options.js';
import { LRScheduler, type LRSchedulerOptions, SCHEDULER_OPTIONS, type SchedulerStateDict } from './lr-scheduler.js';

const OPTIONS = declareOptions('CosineAnnealingLR', [
  ...SCHEDULER_OPTIONS,
  { name: 'tMax', torchName: 'T_max', required: true, check: num({ min: 0, minExclusive: true }) },
  { name: 'etaMin', default: 0.0, check: num() },
]);

/** Options of {@link CosineAnnealingLR}. */
export interface CosineAnnealingLROptions extends LRSchedulerOptions {
  /** Half-period of the cosine, in epochs (torch's `T_max`). */
  tMax: number;
  /** Minimum learning rate (default 0; torch's `eta_min`). */
  etaMin?: number;
}

/**
 * Cosine annealing without restarts (torch.optim.lr_scheduler.CosineAnnealingLR), from SGDR
 * (Loshchilov & Hutter, https://arxiv.org/abs/1608.03983). Each step applies torch's recursive form
 *
 *   η_t = η_min + (η_{t−1} − η_min) · (1 + cos(π t / T_max)) / (1 + cos(π (t−1) / T_max)),
 *
 * which equals the closed form η_t = η_min + (η_max − η_min)(1 + cos(π t / T_max))/2 when nothing else changes
 * the lr; past `T_max` the lr climbs back up (the cosine continues).
 *
 * @example
 * const sched = new CosineAnnealingLR(opt, { tMax: 100, etaMin: 1e-5 });
 */
export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  etaMin: number;

  constructor(optimizer: Optimizer, options: CosineAnnealingLROptions) {
    const o = readOptions<Required<Pick<CosineAnnealingLROptions, 'tMax' | 'etaMin'>> & LRSchedulerOptions>(OPTIONS, options);
    super(optimizer, o);
    this.tMax = o.tMax;
    this.etaMin = o.etaMin;
    this.initialStep();
  }

  protected override computeLr(): number[] {
    const groups = this.groups();
    const e = this.lastEpoch;
    const T = this.tMax;
    const m = this.etaMin;
    if (this.isInitial) return groups.map((g) => g.lr as number);
    if (this.stepCount === 1 && e > 0) {
      return this.baseLrs.map((b) => m + ((b - m) * (1 + Math.cos((e * Math.PI) / T))) / 2);
    }
    if (pyMod(e - 1 - T, 2 * T) === 0) {
      return groups.map((g, i) => (g.lr as number) + ((this.baseLrs[i]! - m) * (1 - Math.cos(Math.PI / T))) / 2);
    }
    return groups.map((g) => ((1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T))) * ((g.lr as number) - m) + m);
  }

  override closedFormLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax))) / 2);
  }

  protected override ownState(): SchedulerStateDict {
    return { T_max: this.tMax, eta_min: this.etaMin };
  }
  protected override checkOwnState(sd: SchedulerStateDict): void {
    checkFields(sd, OPTIONS, { T_max: 'tMax', eta_min: 'etaMin' });
  }
  protected override loadOwnState(sd: SchedulerStateDict): void {
    loadNumbers(this, sd, { T_max: 'tMax', eta_min: 'etaMin' });
  }
}
