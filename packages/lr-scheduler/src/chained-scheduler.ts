import { TypeError_, ValueError } from '@tsoptim/core';
import { ownState } from './internal/fields.js';
import type { Optimizer } from '@tsoptim/optim';
import { RESTORE_GROUPS, SUB_SCHEDULERS } from './internal/friend.js';
import { copyData } from './internal/py.js';
import { LRScheduler, type SchedulerStateDict, numberList } from './lr-scheduler.js';
import { checkSubSchedulers, checkSubStateDicts } from './internal/sub-schedulers.js';
import { declareOptions, readOptions, typeError } from './internal/options.js';

const OPTIONS = declareOptions('ChainedScheduler', [
  {
    name: 'optimizer',
    check: (v, ctx) => {
      if (typeof v !== 'object' || v === null) typeError(ctx, 'an Optimizer', v);
    },
  },
]);

/** Options of {@link ChainedScheduler}. */
export interface ChainedSchedulerOptions {
  /** The optimizer (default: the first scheduler's). */
  optimizer?: Optimizer;
}

/**
 * Steps several chainable schedulers together, each multiplying the lr the previous one left
 * (torch.optim.lr_scheduler.ChainedScheduler). Sub-schedulers may drive different groups (a per-group schedule
 * per part of the model); `getLastLr()` returns every group's lr, as torch.
 *
 * The state dict holds `_schedulers` (each sub-scheduler's state dict) and `_last_lr`, as torch's; loading it
 * restores the sub-schedulers and writes the saved lr back into the groups.
 *
 * @throws ValueError on no scheduler, a ReduceLROnPlateau or a scheduler of another optimizer (torch's messages).
 * @example
 * const sched = new ChainedScheduler([new ConstantLR(opt, { factor: 0.1, totalIters: 2 }), new ExponentialLR(opt, { gamma: 0.9 })]);
 */
export class ChainedScheduler extends LRScheduler {
  private readonly schedulers: LRScheduler[];

  constructor(schedulers: readonly LRScheduler[], options: ChainedSchedulerOptions = {}) {
    const o = readOptions<ChainedSchedulerOptions>(OPTIONS, options);
    if (!Array.isArray(schedulers))
      throw new TypeError_(`ChainedScheduler expects a list of schedulers, got ${schedulers === null ? 'null' : typeof schedulers}`);
    if (schedulers.length < 1) {
      throw new ValueError('ChainedScheduler expects at least one scheduler to be chained, but got no scheduler.');
    }
    const optimizer = (o.optimizer ?? (schedulers[0] as { optimizer?: Optimizer } | null)?.optimizer) as Optimizer;
    checkSubSchedulers('ChainedScheduler', optimizer, schedulers);
    super(optimizer, {}, 'bare');
    this.schedulers = [...schedulers];
    this.lastLr = this.groups().map((g) => g.lr as number);
  }

  /** The sub-schedulers, in order. */
  get [SUB_SCHEDULERS](): LRScheduler[] {
    return this.schedulers;
  }

  /** Steps every sub-scheduler in order. */
  override step(): void {
    for (const s of this.schedulers) s.step();
    this.lastLr = this.groups().map((g) => g.lr as number);
  }

  protected override restoreGroups(): void {
    for (const s of this.schedulers) s[RESTORE_GROUPS]();
    super.restoreGroups();
  }

  override stateDict(): SchedulerStateDict {
    return { _schedulers: this.schedulers.map((s) => s.stateDict()), _last_lr: [...this.lastLr] };
  }

  /** Loads every sub-scheduler's state and `_last_lr`, then writes the saved lr into the groups. */
  override checkStateDict(stateDict: SchedulerStateDict): void {
    const sd = ownState(stateDict);
    const subs = sd._schedulers;
    if (!Array.isArray(subs) || subs.length !== this.schedulers.length) {
      throw new ValueError(`loaded scheduler state dict: '_schedulers' must hold ${this.schedulers.length} state dicts`);
    }
    numberList(sd._last_lr, '_last_lr', this.groups().length);
    checkSubStateDicts(this.schedulers, subs);
  }

  override loadStateDict(stateDict: SchedulerStateDict): void {
    const sd = ownState(stateDict);
    this.checkStateDict(sd);
    const subs = sd._schedulers as unknown[];
    const lastLr = numberList(sd._last_lr, '_last_lr', null);
    const before = this.schedulers.map((s) => s.stateDict());
    const groupsBefore = this.groups().map((g) => ({ ...g }));
    try {
      this.schedulers.forEach((s, i) => s.loadStateDict(copyData(subs[i]) as SchedulerStateDict));
    } catch (e) {
      this.schedulers.forEach((s, i) => s.loadStateDict(before[i]!));
      this.groups().forEach((g, i) => Object.assign(g, groupsBefore[i]));
      throw e;
    }
    this.lastLr = lastLr;
    this.restoreGroups();
  }
}
