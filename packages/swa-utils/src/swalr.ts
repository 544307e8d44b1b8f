import { ValueError } from '@tsoptim/core';
import { LRScheduler, type LRSchedulerOptions, type SchedulerStateDict } from '@tsoptim/lr-scheduler';
import type { Optimizer } from '@tsoptim/optim';

/** How {@link SWALR} moves from the current lr to the SWA lr. */
export type AnnealStrategy = 'cos' | 'linear';

/** Options of {@link SWALR}. */
export interface SWALROptions extends LRSchedulerOptions {
  /** The learning rate to anneal to: one for every group, or one per driven group (torch's `swa_lr`). */
  swaLr: number | readonly number[];
  /** Epochs (steps) of the annealing phase, an integer ≥ 0 (default 10). */
  annealEpochs?: number;
  /** `'cos'` (default) or `'linear'`. */
  annealStrategy?: AnnealStrategy;
}

const anneal: Record<AnnealStrategy, (t: number) => number> = {
  cos: (t) => (1 - Math.cos(Math.PI * t)) / 2,
  linear: (t) => t,
};

/**
 * Anneals each parameter group's learning rate to a fixed SWA value (torch's `torch.optim.swa_utils.SWALR`),
 * on the LRScheduler base. At step `s` (`s = stepCount − 1`, at least 1 when `annealEpochs` is 0) with
 * `t = clamp(s / max(1, annealEpochs), 0, 1)` and `α = (1 − cos πt)/2` (cos) or `α = t` (linear):
 *
 *   lr ← swaLr · α + lr₀ · (1 − α),
 *
 * where `lr₀` is the lr the annealing started from, recovered from the group's current lr and the previous
 * step's α (torch's `_get_initial_lr`), so that other schedulers may run before it. Each group's SWA lr is
 * stored in the group as `swaLr` (torch's `swa_lr`).
 *
 * @see https://arxiv.org/abs/1803.05407
 * @example
 * const scheduler = new CosineAnnealingLR(opt, { tMax: 100 });
 * const swaScheduler = new SWALR(opt, { swaLr: 0.05, annealEpochs: 5 });
 * for (let epoch = 0; epoch < 100; epoch++) {
 *   trainOneEpoch();
 *   if (epoch > swaStart) { swaModel.updateParameters(model); swaScheduler.step(); } else scheduler.step();
 * }
 */
export class SWALR extends LRScheduler {
  /** Steps of the annealing phase. */
  annealEpochs: number;
  /** The annealing shape. */
  annealStrategy: AnnealStrategy;

  /**
   * @param optimizer - the optimizer whose groups' lr is annealed.
   * @param options - `swaLr`, `annealEpochs`, `annealStrategy`, and the base options.
   * @throws ValueError with torch's messages for an unknown strategy, a negative or fractional
   * `annealEpochs`, or a `swaLr` list of the wrong length (checked before any group changes).
   */
  constructor(optimizer: Optimizer, options: SWALROptions) {
    const strategy = options.annealStrategy ?? 'cos';
    const annealEpochs = options.annealEpochs ?? 10;
    SWALR.validate(optimizer, options, strategy, annealEpochs);
    super(optimizer, options);
    this.annealEpochs = annealEpochs;
    this.annealStrategy = strategy;
    const groups = this.groups();
    const swaLrs = Array.isArray(options.swaLr) ? options.swaLr : new Array<number>(groups.length).fill(options.swaLr as number);
    groups.forEach((g, i) => {
      g.swaLr = swaLrs[i];
    });
    this.initialStep();
  }

  private static validate(optimizer: Optimizer, options: SWALROptions, strategy: string, annealEpochs: number): void {
    if (Array.isArray(options.swaLr)) {
      const n = options.groups?.length ?? optimizer.paramGroups?.length;
      if (options.swaLr.length !== n) {
        throw new ValueError(
          `swa_lr must have the same length as optimizer.param_groups: swa_lr has ${options.swaLr.length}, optimizer.param_groups has ${n}`,
        );
      }
    }
    if (strategy !== 'cos' && strategy !== 'linear') {
      throw new ValueError(`anneal_strategy must by one of 'cos' or 'linear', instead got ${strategy}`);
    }
    if (!Number.isInteger(annealEpochs) || annealEpochs < 0) {
      throw new ValueError(`anneal_epochs must be equal or greater than 0, got ${annealEpochs}`);
    }
  }

  protected override computeLr(): number[] {
    const f = anneal[this.annealStrategy];
    let step = this.stepCount - 1;
    if (this.annealEpochs === 0) step = Math.max(1, step);
    const span = Math.max(1, this.annealEpochs);
    const prevAlpha = f(Math.max(0, Math.min(1, (step - 1) / span)));
    const alpha = f(Math.max(0, Math.min(1, step / span)));
    return this.groups().map((g) => {
      const lr = g.lr as number;
      const swaLr = g.swaLr as number;
      const initial = prevAlpha === 1 ? swaLr : (lr - prevAlpha * swaLr) / (1 - prevAlpha);
      return swaLr * alpha + initial * (1 - alpha);
    });
  }

  protected override ownState(): SchedulerStateDict {
    return { anneal_epochs: this.annealEpochs, anneal_func: this.annealStrategy };
  }

  protected override checkOwnState(sd: SchedulerStateDict): void {
    if (sd.anneal_epochs !== undefined && (!Number.isInteger(sd.anneal_epochs) || (sd.anneal_epochs as number) < 0)) {
      throw new ValueError(`loaded scheduler state dict: 'anneal_epochs' must be an integer >= 0`);
    }
    if (sd.anneal_func !== undefined && sd.anneal_func !== 'cos' && sd.anneal_func !== 'linear') {
      throw new ValueError(`loaded scheduler state dict: 'anneal_func' must be 'cos' or 'linear'`);
    }
  }

  protected override loadOwnState(sd: SchedulerStateDict): void {
    if (sd.anneal_epochs !== undefined) this.annealEpochs = sd.anneal_epochs as number;
    if (sd.anneal_func !== undefined) this.annealStrategy = sd.anneal_func as AnnealStrategy;
  }
}
