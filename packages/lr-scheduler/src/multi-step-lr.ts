import { ValueError } from '@tsoptim/core';
import type { Optimizer } from '@tsoptim/optim';
import { checkFields, loadNumbers } from './internal/fields.js';
import { bisectRight } from './internal/py.js';
import { declareOptions, intList, num, readOptions } from './internal/options.js';
import { LRScheduler, type LRSchedulerOptions, SCHEDULER_OPTIONS, type SchedulerStateDict } from './lr-scheduler.js';

const OPTIONS = declareOptions('MultiStepLR', [
  ...SCHEDULER_OPTIONS,
  { name: 'milestones', required: true, check: intList },
  { name: 'gamma', default: 0.1, check: num() },
]);

/** Options of {@link MultiStepLR}. */
export interface MultiStepLROptions extends LRSchedulerOptions {
  /** Epoch indices at which to decay; a milestone listed k times decays by γ^k there (torch's `Counter`). */
  milestones: Iterable<number>;
  /** Multiplicative factor of the decay (default 0.1). */
  gamma?: number;
}

/**
 * Decays each group's lr by `gamma` at each milestone (torch.optim.lr_scheduler.MultiStepLR):
 *
 *   lr_t = base_lr · γ^(number of milestones ≤ t)
 *
 * In the state dict, `milestones` is torch's `Counter` as an object `{ "30": 1, "80": 1 }`.
 *
 * @example
 * const sched = new MultiStepLR(opt, { milestones: [30, 80], gamma: 0.1 });
 */
export class MultiStepLR extends LRScheduler {
  /** Milestone → multiplicity. */
  milestones: Map<number, number>;
  gamma: number;

  /** @throws TypeError_ for an unknown option, missing `milestones`, or a value of the wrong type. */
  constructor(optimizer: Optimizer, options: MultiStepLROptions) {
    const o = readOptions<Required<MultiStepLROptions>>(OPTIONS, options);
    const counter = new Map<number, number>();
    for (const m of o.milestones) counter.set(m, (counter.get(m) ?? 0) + 1);
    super(optimizer, o);
    this.milestones = counter;
    this.gamma = o.gamma;
    this.initialStep();
  }

  protected override computeLr(): number[] {
    const lrs = this.groups().map((g) => g.lr as number);
    const k = this.milestones.get(this.lastEpoch);
    if (k === undefined) return lrs;
    return lrs.map((lr) => lr * this.gamma ** k);
  }

  override closedFormLr(): number[] {
    const sorted: number[] = [];
    for (const [m, k] of [...this.milestones].sort((a, b) => a[0] - b[0])) for (let i = 0; i < k; i++) sorted.push(m);
    return this.baseLrs.map((b) => b * this.gamma ** bisectRight(sorted, this.lastEpoch));
  }

  protected override ownState(): SchedulerStateDict {
    const counter: Record<string, number> = {};
    for (const [m, k] of this.milestones) counter[String(m)] = k;
    return { milestones: counter, gamma: this.gamma };
  }
  protected override checkOwnState(sd: SchedulerStateDict): void {
    checkFields(sd, OPTIONS, { gamma: 'gamma' });
    const m = sd.milestones;
    const ok = Array.isArray(m)
      ? m.every((x) => Number.isInteger(x))
      : typeof m === 'object' &&
        m !== null &&
        Object.entries(m).every(([k, v]) => Number.isInteger(Number(k)) && k.trim() !== '' && Number.isInteger(v) && (v as number) > 0);
    if (m !== undefined && !ok) {
      throw new ValueError("loaded scheduler state dict: 'milestones' must map milestones to counts");
    }
  }
  protected override loadOwnState(sd: SchedulerStateDict): void {
    loadNumbers(this, sd, { gamma: 'gamma' });
    if (sd.milestones !== undefined) {
      this.milestones = new Map(
        Array.isArray(sd.milestones)
          ? (sd.milestones as number[]).map((x) => [x, 1] as [number, number])
          : Object.entries(sd.milestones as Record<string, number>).map(([k, v]) => [Number(k), v] as [number, number]),
      );
    }
  }
}
