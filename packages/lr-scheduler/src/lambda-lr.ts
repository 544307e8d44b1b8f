import { TypeError_, ValueError } from '@tsoptim/core';
import type { Optimizer } from '@tsoptim/optim';
import { loadLambdaState, saveLambdaState } from './internal/lambda-state.js';
import { type OptionContext, declareOptions, readOptions } from './internal/options.js';
import { typeName } from './internal/py.js';
import { LRScheduler, type LRSchedulerOptions, SCHEDULER_OPTIONS, type SchedulerStateDict, drivenCount } from './lr-scheduler.js';

function checkLambda(v: unknown, ctx: OptionContext): void {
  const list = Array.isArray(v) ? v : [v];
  if (Array.isArray(v) && v.length === 0)
    throw new TypeError_(`${ctx.owner}: lr_lambda must be a function or a non-empty list of functions, got an empty list`);
  for (const f of list) if (typeof f !== 'function') throw new TypeError_(`lr_lambda should be a function, but got ${typeName(f)}`);
}

/** @internal The options of LambdaLR and MultiplicativeLR. */
export function lambdaOptions(owner: string) {
  return declareOptions(owner, [...SCHEDULER_OPTIONS, { name: 'lrLambda', torchName: 'lr_lambda', required: true, check: checkLambda }]);
}

const OPTIONS = lambdaOptions('LambdaLR');

/** @internal The value a lambda returned, checked (a non-number would be written into the lr). */
export function lambdaValue(v: unknown, epoch: number): number {
  if (typeof v !== 'number') throw new TypeError_(`lr_lambda returned ${typeName(v)} ${String(v)} at epoch ${epoch}, not a number`);
  return v;
}

/** A multiplicative factor as a function of the epoch (step) index. */
export type LrLambda = (epoch: number) => number;

/** Options of {@link LambdaLR}. */
export interface LambdaLROptions extends LRSchedulerOptions {
  /** One function for every group, or a list with one function per driven group. */
  lrLambda: LrLambda | readonly LrLambda[];
}

/** @internal One lambda per driven group, with torch's checks. */
export function formatLambdas(optimizer: Optimizer, options: LambdaLROptions): LrLambda[] {
  const n = drivenCount(optimizer, options);
  let list: LrLambda[];
  if (!Array.isArray(options.lrLambda)) {
    list = new Array<LrLambda>(n).fill(options.lrLambda as LrLambda);
  } else {
    if (options.lrLambda.length !== n) throw new ValueError(`Expected ${n} lr_lambdas, but got ${options.lrLambda.length}`);
    list = [...options.lrLambda];
  }
  return list;
}

/**
 * Sets each group's lr to its initial lr times a function of the epoch (torch.optim.lr_scheduler.LambdaLR):
 *
 *   lr_t = base_lr · λ(t)
 *
 * With a list of functions, each driven group gets its own schedule. The functions are not saved in the state
 * dict (their entries are `null`); a function with own enumerable properties has those saved and restored, as
 * torch saves a callable object's `__dict__`.
 *
 * @throws ValueError `Expected n lr_lambdas, but got m`.
 * @example
 * const sched = new LambdaLR(opt, { lrLambda: [(e) => Math.floor(e / 30), (e) => 0.95 ** e] });
 */
export class LambdaLR extends LRScheduler {
  /** One function per driven group. */
  lrLambdas: LrLambda[];

  constructor(optimizer: Optimizer, options: LambdaLROptions) {
    const o = readOptions<LambdaLROptions>(OPTIONS, options);
    const lambdas = formatLambdas(optimizer, o);
    super(optimizer, o);
    this.lrLambdas = lambdas;
    this.initialStep();
  }

  protected override computeLr(): number[] {
    return this.baseLrs.map((base, i) => base * lambdaValue(this.lrLambdas[i]!(this.lastEpoch), this.lastEpoch));
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
