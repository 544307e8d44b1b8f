import type { Optimizer } from '@tsoptim/optim';
import { type LambdaLROptions, type LrLambda, formatLambdas, lambdaOptions, lambdaValue } from './lambda-lr.js';
import { readOptions } from './internal/options.js';
import { loadLambdaState, saveLambdaState } from './internal/lambda-state.js';
import { LRScheduler, type SchedulerStateDict } from './lr-scheduler.js';

/** Options of {@link MultiplicativeLR}. */
export type MultiplicativeLROptions = LambdaLROptions;

const OPTIONS = lambdaOptions('MultiplicativeLR');

/**
 * Multiplies each group's lr by a function of the epoch at every step (torch.optim.lr_scheduler.MultiplicativeLR):
 *
 *   lr_t = lr_{t−1} · λ(t)   (t ≥ 1; construction leaves the lr as it is)
 *
 * @throws ValueError `Expected n lr_lambdas, but got m`.
 * @throws TypeError_ `lr_lambda should be a function, but got …`.
 * @example
 * const sched = new MultiplicativeLR(opt, { lrLambda: () => 0.95 });
 */
export class MultiplicativeLR extends LRScheduler {
  /** One function per driven group. */
  lrLambdas: LrLambda[];

  constructor(optimizer: Optimizer, options: MultiplicativeLROptions) {
    const o = readOptions<MultiplicativeLROptions>(OPTIONS, options);
    const lambdas = formatLambdas(optimizer, o);
    super(optimizer, o);
    this.lrLambdas = lambdas;
    this.initialStep();
  }

  protected override computeLr(): number[] {
    const groups = this.groups();
    if (this.isInitial) return groups.map((g) => g.lr as number);
    return this.lrLambdas.map((f, i) => (groups[i]!.lr as number) * lambdaValue(f(this.lastEpoch), this.lastEpoch));
  }

  protected override ownState(): SchedulerStateDict {
    return { lr_lambdas: saveLambdaState(this.lrLambdas) };
  }

  protected override checkOwnState(sd: SchedulerStateDict): void {
    loadLambdaState(this.lrLambdas, sd.lr_lambdas, true);
  }

  protected override loadOwnState(sd: SchedulerStateDict): void {
    loadLambdaState(this.lrLambdas, sd.lr_lambdas, false);
  }
}
