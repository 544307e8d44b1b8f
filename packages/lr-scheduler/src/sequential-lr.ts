import { ValueError } from '@tsoptim/core';
import { ownState } from './internal/fields.js';
import type { Optimizer } from '@tsoptim/optim';
import { GROUP_INDICES, INITIAL_STEP, RESTORE_GROUPS, SUB_SCHEDULERS, UPDATE_LR } from './internal/friend.js';
import { bisectRight, copyData } from './internal/py.js';
import { checkSubSchedulers, checkSubStateDicts } from './internal/sub-schedulers.js';
import { declareOptions, intList, readOptions, typeError } from './internal/options.js';
import {
  LRScheduler,
  type LRSchedulerOptions,
  SCHEDULER_OPTIONS,
  type SchedulerStateDict,
  numberEntry,
  numberList,
} from './lr-scheduler.js';

const OPTIONS = declareOptions('SequentialLR', [
  ...SCHEDULER_OPTIONS.filter((d) => d.name !== 'groups'),
  {
    name: 'schedulers',
    required: true,
    check: (v, ctx) => {
      if (!Array.isArray(v)) typeError(ctx, 'a list of schedulers', v);
    },
  },
  { name: 'milestones', required: true, check: intList },
]);

/** Options of {@link SequentialLR}. */
export interface SequentialLROptions extends Omit<LRSchedulerOptions, 'groups'> {
  /** The schedulers to run one after another (all on `optimizer`, driving the same groups). */
  schedulers: readonly LRScheduler[];
  /** The epochs at which the next scheduler takes over (one fewer than the schedulers, increasing). */
  milestones: readonly number[];
}

function sameGroups(a: number[] | null, b: number[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Runs schedulers one after another, switching at the milestones (torch.optim.lr_scheduler.SequentialLR): before
 * `milestones[0]` the first scheduler steps, from `milestones[0]` the second (restarted at its epoch 0, through
 * its closed form where it has one), and so on. The classic use is a warmup followed by a decay.
 *
 * The state dict holds `_schedulers` (each sub-scheduler's state dict), `_milestones`, `last_epoch` and
 * `_last_lr`, as torch's. Loading it restores every sub-scheduler and writes the saved lr back into the
 * groups, so a resumed run continues exactly (torch users report jumps here: pytorch#119168).
 *
 * @throws ValueError on no scheduler, a ReduceLROnPlateau, a scheduler of another optimizer, a wrong number of
 * milestones (torch's messages), or schedulers driving different groups.
 * @example
 * const warmup = new LinearLR(opt, { startFactor: 0.1, totalIters: 5 });
 * const decay = new CosineAnnealingLR(opt, { tMax: 95 });
 * const sched = new SequentialLR(opt, { schedulers: [warmup, decay], milestones: [5] });
 */
export class SequentialLR extends LRScheduler {
  private readonly schedulers: LRScheduler[];
  /** The epochs at which the next scheduler takes over. */
  milestones: number[];

  constructor(optimizer: Optimizer, options: SequentialLROptions) {
    const o = readOptions<Required<SequentialLROptions>>(OPTIONS, options);
    const { schedulers } = o;
    const milestones = [...o.milestones];
    if (schedulers.length < 1) throw new ValueError('SequentialLR expects at least one scheduler, but got no scheduler.');
    checkSubSchedulers('SequentialLR', optimizer, schedulers);
    if (milestones.length !== schedulers.length - 1) {
      throw new ValueError(
        `Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers ${schedulers.length} and the number of milestones to be equal to ${milestones.length}`,
      );
    }
    const indices = schedulers[0]![GROUP_INDICES];
    if (!schedulers.every((s) => sameGroups(s[GROUP_INDICES], indices))) {
      throw new ValueError('SequentialLR expects all schedulers to drive the same parameter groups');
    }
    super(optimizer, indices === null ? {} : { groups: indices }, 'bare');
    this.schedulers = [...schedulers];
    this.milestones = [...milestones];
    this.lastEpoch = o.lastEpoch + 1;
    // Reset the learning rates to their initial values, undo the sub-schedulers' initial steps, and take the
    // initial step of the first scheduler only.
    for (const g of this.groups()) g.lr = g.initialLr;
    undo(this);
    this.schedulers[0]![INITIAL_STEP]();
    this.lastLr = this.schedulers[0]!.getLastLr();
  }

  /** The sub-schedulers, in order. */
  get [SUB_SCHEDULERS](): LRScheduler[] {
    return this.schedulers;
  }

  /** Steps the scheduler in charge at the new epoch (a scheduler taking over restarts at its epoch 0). */
  override step(): void {
    this.lastEpoch += 1;
    const idx = bisectRight(this.milestones, this.lastEpoch);
    const s = this.schedulers[idx]!;
    try {
      if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) s[UPDATE_LR](0);
      else s.step();
    } catch (e) {
      this.lastEpoch -= 1;
      throw e;
    }
    this.lastLr = s.getLastLr();
  }

  protected override restoreGroups(): void {
    const idx = Math.min(bisectRight(this.milestones, this.lastEpoch), this.schedulers.length - 1);
    this.schedulers[idx]![RESTORE_GROUPS]();
    super.restoreGroups();
  }

  override stateDict(): SchedulerStateDict {
    return {
      _schedulers: this.schedulers.map((s) => s.stateDict()),
      _milestones: [...this.milestones],
      last_epoch: this.lastEpoch,
      _last_lr: [...this.lastLr],
    };
  }

  /**
   * Loads `last_epoch`, `_milestones`, `_last_lr` and every sub-scheduler's state, then writes the saved lr (and
   * the active sub-scheduler's cycled momentum) into the groups. Checked before anything changes.
   */
  override checkStateDict(stateDict: SchedulerStateDict): void {
    const sd = ownState(stateDict);
    const subs = sd._schedulers;
    if (!Array.isArray(subs) || subs.length !== this.schedulers.length) {
      throw new ValueError(`loaded scheduler state dict: '_schedulers' must hold ${this.schedulers.length} state dicts`);
    }
    const lastEpoch = numberEntry(sd.last_epoch, 'last_epoch');
    if (!Number.isInteger(lastEpoch) || lastEpoch < 0)
      throw new ValueError(`loaded scheduler state dict: 'last_epoch' must be an integer >= 0, got ${lastEpoch}`);
    numberList(sd._last_lr, '_last_lr', this.groups().length);
    if (sd._milestones !== undefined) {
      const m = numberList(sd._milestones, '_milestones', this.milestones.length);
      if (!m.every((x, i) => Number.isInteger(x) && (i === 0 || x >= m[i - 1]!))) {
        throw new ValueError("loaded scheduler state dict: '_milestones' must be increasing integers");
      }
    }
    checkSubStateDicts(this.schedulers, subs);
  }

  override loadStateDict(stateDict: SchedulerStateDict): void {
    const sd = ownState(stateDict);
    this.checkStateDict(sd);
    const subs = sd._schedulers as unknown[];
    const lastEpoch = sd.last_epoch as number;
    const lastLr = numberList(sd._last_lr, '_last_lr', null);
    const milestones = sd._milestones === undefined ? this.milestones : numberList(sd._milestones, '_milestones', null);
    // Sub-schedulers check their own dicts; to stay atomic, keep their current state to roll back on failure.
    const before = this.schedulers.map((s) => s.stateDict());
    const groupsBefore = this.groups().map((g) => ({ ...g }));
    try {
      this.schedulers.forEach((s, i) => s.loadStateDict(copyData(subs[i]) as SchedulerStateDict));
    } catch (e) {
      this.schedulers.forEach((s, i) => s.loadStateDict(before[i]!));
      this.groups().forEach((g, i) => Object.assign(g, groupsBefore[i]));
      throw e;
    }
    this.lastEpoch = lastEpoch;
    this.lastLr = lastLr;
    this.milestones = milestones;
    this.restoreGroups();
  }
}

/** Undoes the initial step of every (nested) sub-scheduler: torch's `recursive_undo`. */
function undo(s: LRScheduler): void {
  const subs = (s as { [SUB_SCHEDULERS]?: LRScheduler[] })[SUB_SCHEDULERS];
  if (subs !== undefined) for (const x of subs) undo(x);
  else s.lastEpoch -= 1;
}
