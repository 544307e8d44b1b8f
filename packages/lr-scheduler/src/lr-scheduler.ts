import { RuntimeError, TypeError_, ValueError } from '@tsoptim/core';
import type { Optimizer } from '@tsoptim/optim';
import { GROUP_INDICES, INITIAL_STEP, RESTORE_GROUPS, UPDATE_LR } from './internal/friend.js';
import { ownState } from './internal/fields.js';
import { type OptionDecl, num, typeError } from './internal/options.js';
import { typeName } from './internal/py.js';
import {
  EPOCH_DEPRECATION_WARNING,
  GET_LR_WARNING,
  STEP_ORDER_WARNING,
  STEP_OVERRIDDEN_WARNING,
  optimizerHasStepped,
  optimizerStepReplaced,
  trackOptimizerSteps,
  warn,
} from './internal/warn.js';

/** A parameter group as a scheduler sees it: the optimizer's group, options readable and writable by name. */
export type Group = Record<string, unknown>;

/** A scheduler state dict: torch's keys (`last_epoch`, `base_lrs`, `_last_lr`, `_step_count`, the scheduler's own fields). */
export type SchedulerStateDict = Record<string, unknown>;

/** Options every scheduler accepts. */
export interface LRSchedulerOptions {
  /**
   * The index of the last epoch (default -1: start the schedule from the beginning). A value ≥ 0 resumes a
   * schedule: every driven group must then hold `initialLr` already (as after loading the optimizer's state
   * dict), and construction leaves the groups' learning rates as they are.
   */
  lastEpoch?: number;
  /**
   * Indices of the parameter groups this scheduler drives (default: all of them, as torch). Per-group option
   * lists (`baseLr`, `maxLr`, `minLr`, a list of lambdas...) then hold one entry per chosen group, and
   * `getLastLr()` returns one value per chosen group. Two schedulers driving disjoint groups of one optimizer
   * give each part of a model its own schedule.
   */
  groups?: readonly number[];
}

const LAST_EPOCH_MESSAGE = (v: unknown): string => `Expected integer last_epoch >= -1, but got ${String(v)}`;

/** The declarations of the options every scheduler accepts (`lastEpoch`, `groups`); each scheduler adds its own. */
export const SCHEDULER_OPTIONS: readonly OptionDecl[] = [
  { name: 'lastEpoch', default: -1, check: num({ int: true, min: -1, message: LAST_EPOCH_MESSAGE }) },
  {
    name: 'groups',
    check: (v, ctx) => {
      if (!Array.isArray(v)) typeError(ctx, 'a list of parameter group indices', v);
    },
  },
];

/** torch's message for a resumed scheduler whose groups lack `initial_lr` (current PyTorch's wording). */
export function missingInitialLrMessage(index: number): string {
  return (
    `param 'initial_lr' is not specified in param_groups[${index}] when resuming scheduler with last_epoch >= 0.\n` +
    'This typically happens when:\n' +
    "1. You're trying to resume training from a checkpoint but haven't properly loaded the optimizer state\n" +
    "2. You're using last_epoch >= 0 for a fresh training run (not recommended)"
  );
}

/**
 * @internal Every check the base constructor makes, without changing anything: subclasses that write into the
 * groups before `super()` (CyclicLR, OneCycleLR) call it first.
 */
export function checkSchedulerBase(optimizer: Optimizer, options: LRSchedulerOptions): void {
  checkOptimizer(optimizer);
  const indices = resolveGroups(optimizer, options.groups);
  const lastEpoch = options.lastEpoch ?? -1;
  if (typeof lastEpoch !== 'number' || !Number.isInteger(lastEpoch) || lastEpoch < -1) throw new ValueError(LAST_EPOCH_MESSAGE(lastEpoch));
  const all = optimizer.paramGroups as unknown as Group[];
  const groups = indices === null ? all : indices.map((i) => all[i]!);
  groups.forEach((g, i) => {
    const index = indices === null ? i : indices[i]!;
    if (typeof g.lr !== 'number') {
      throw new TypeError_(
        `param_groups[${index}]['lr'] is a ${typeName(g.lr)}, not a number: a group driven by a scheduler cannot also have a schedule-valued lr`,
      );
    }
    if (lastEpoch !== -1 && typeof g.initialLr !== 'number') throw new ValueError(missingInitialLrMessage(index));
  });
}

/** @internal The number of groups a scheduler built with these options drives (checks the optimizer and `groups` first). */
export function drivenCount(optimizer: Optimizer, options: LRSchedulerOptions): number {
  checkOptimizer(optimizer);
  const g = resolveGroups(optimizer, options.groups);
  return g === null ? optimizer.paramGroups.length : g.length;
}

/** @internal The groups a scheduler built with these options drives, before it exists. */
export function drivenGroups(optimizer: Optimizer, options: LRSchedulerOptions): Group[] {
  checkOptimizer(optimizer);
  const g = resolveGroups(optimizer, options.groups);
  const all = optimizer.paramGroups as unknown as Group[];
  return g === null ? all : g.map((i) => all[i]!);
}

function checkOptimizer(optimizer: unknown): asserts optimizer is Optimizer {
  const o = optimizer as Optimizer | null;
  if (
    typeof o !== 'object' ||
    o === null ||
    !Array.isArray(o.paramGroups) ||
    typeof o.registerStepPostHook !== 'function' ||
    typeof o.step !== 'function'
  ) {
    throw new TypeError_(`${typeName(optimizer)} is not an Optimizer`);
  }
}

function resolveGroups(optimizer: Optimizer, groups: readonly number[] | undefined): number[] | null {
  if (groups === undefined) return null;
  const n = optimizer.paramGroups.length;
  if (!Array.isArray(groups) || groups.length === 0) throw new ValueError('groups must be a non-empty list of parameter group indices');
  for (const i of groups) {
    if (!Number.isInteger(i) || i < 0 || i >= n) {
      throw new ValueError(`groups: ${i} is not the index of a parameter group (the optimizer has ${n})`);
    }
  }
  if (new Set(groups).size !== groups.length) throw new ValueError('groups: a parameter group is listed twice');
  return [...groups];
}

/** Checks a state dict entry is a list of numbers of the expected length (`Infinity` spelled as torch JSON does is accepted). */
export function numberList(v: unknown, key: string, n: number | null): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && !Number.isNaN(x))) {
    throw new ValueError(`loaded scheduler state dict: '${key}' must be a list of numbers`);
  }
  if (n !== null && v.length !== n) {
    throw new ValueError(`loaded scheduler state dict: '${key}' has ${v.length} values, the scheduler drives ${n} parameter groups`);
  }
  return [...(v as number[])];
}

/** Checks a state dict entry is a number (or absent, when `optional`). */
export function numberEntry(v: unknown, key: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValueError(`loaded scheduler state dict: '${key}' must be a number`);
  return v;
}

/**
 * The base of every learning-rate scheduler, with torch.optim.lr_scheduler.LRScheduler's semantics.
 *
 * - Construction (with `lastEpoch = -1`) stores each driven group's lr as its `initialLr` option (torch's
 *   `initial_lr`, kept if already there), takes those as `baseLrs`, and performs the initial step, which sets
 *   `lastEpoch` to 0 and the groups' lr to the schedule's first value.
 * - `step()` advances `lastEpoch` by one and writes the next lr into every driven group; `getLastLr()` returns
 *   the lrs written last. Call it after `optimizer.step()`: the first `step()` before any `optimizer.step()`
 *   warns once, as torch does (the optimizer's steps are counted by a step post-hook).
 * - `step(epoch)` (deprecated in torch, with its warning) jumps to `epoch`, using the closed form where the
 *   scheduler has one.
 *
 * **Resuming.** `stateDict()` holds torch's keys (`base_lrs`, `last_epoch`, `_step_count`, `_last_lr`, the
 * scheduler's own fields). `loadStateDict()` restores them *and writes the saved `_last_lr` (and any cycled
 * momentum) back into the parameter groups*. The schedule therefore continues exactly, whichever of
 * `optimizer.loadStateDict()` and `scheduler.loadStateDict()` runs first, and also when the scheduler is
 * constructed after the optimizer's state was loaded (the construction's initial step moves the lr; loading
 * the scheduler's state puts it back). Composite schedulers restore their sub-schedulers the same way.
 *
 * Subclasses set their fields after `super(...)` and then call {@link LRScheduler.initialStep} at the end of
 * their constructor (torch's subclasses call `super().__init__` last); they implement
 * {@link LRScheduler.computeLr} and, where a closed form exists, {@link LRScheduler.closedFormLr}.
 *
 * @example
 * class Halving extends LRScheduler {
 *   constructor(optimizer: Optimizer) { super(optimizer); this.initialStep(); }
 *   protected computeLr() { return this.baseLrs.map((lr) => lr / 2 ** this.lastEpoch); }
 * }
 */
export abstract class LRScheduler {
  /** The optimizer whose parameter groups this scheduler drives. */
  readonly optimizer: Optimizer;
  /** Each driven group's `initialLr` (torch's `base_lrs`). */
  baseLrs: number[] = [];
  /** The index of the last epoch (step); 0 after construction. */
  lastEpoch = -1;
  /** Steps taken, the initial step included (torch's `_step_count`). */
  protected stepCount = 0;
  /** The lrs written by the last step (torch's `_last_lr`). */
  protected lastLr: number[] = [];
  /** True during the initial step made by the constructor. */
  protected isInitial = false;
  /** True while `step()` computes the lr (calling `getLr()` elsewhere warns, as torch). */
  protected getLrCalledWithinStep = false;
  /** Groups whose `initialLr` this constructor added (removed again if the initial step fails). */
  private addedInitialLr: Group[] = [];
  /** The driven groups' indices; `null` for all groups (as torch). */
  protected readonly groupIndices: number[] | null;

  /**
   * @param mode `'bare'` attaches the optimizer only (the composite schedulers and ReduceLROnPlateau, which in
   * torch do not run the base initialisation).
   * @throws TypeError_ `<type> is not an Optimizer`; when a driven group's lr is not a number (a schedule).
   * @throws ValueError when `lastEpoch` ≠ -1 and a group lacks `initialLr`; on invalid `groups`.
   */
  constructor(optimizer: Optimizer, options: LRSchedulerOptions = {}, mode: 'standard' | 'bare' = 'standard') {
    if (mode === 'bare') {
      checkOptimizer(optimizer);
    } else {
      checkSchedulerBase(optimizer, options);
    }
    this.optimizer = optimizer;
    this.groupIndices = resolveGroups(optimizer, options.groups);
    if (mode === 'bare') return;
    const lastEpoch = options.lastEpoch ?? -1;
    const groups = this.groups();
    if (lastEpoch === -1) {
      for (const g of groups) {
        if (g.initialLr === undefined) {
          g.initialLr = g.lr;
          this.addedInitialLr.push(g);
        }
      }
    }
    this.baseLrs = groups.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
    trackOptimizerSteps(optimizer);
  }

  /** The driven parameter groups, read from `optimizer.paramGroups` each time (loading the optimizer's state replaces them). */
  protected groups(): Group[] {
    const all = this.optimizer.paramGroups as unknown as Group[];
    return this.groupIndices === null ? all : this.groupIndices.map((i) => all[i]!);
  }

  /** The optimizer's index of the i-th driven group. */
  protected groupIndex(i: number): number {
    return this.groupIndices === null ? i : this.groupIndices[i]!;
  }

  /** torch's `_initial_step`: resets the step count and takes the first step, in initial mode. */
  protected initialStep(): void {
    this.stepCount = 0;
    this.isInitial = true;
    try {
      this.step();
    } catch (e) {
      // A constructor that fails changes nothing: drop the initialLr it added.
      for (const g of this.addedInitialLr) delete g.initialLr;
      throw e;
    } finally {
      this.isInitial = false;
      this.addedInitialLr = [];
    }
  }

  /**
   * The lrs of the current `lastEpoch` in the chainable form (torch's `get_lr`): usually from the groups'
   * current lr. Outside `step()` it warns, as torch does; prefer {@link LRScheduler.getLastLr}.
   */
  getLr(): number[] {
    if (!this.getLrCalledWithinStep) warn(GET_LR_WARNING);
    return this.computeLr();
  }

  /** Computes the lrs for the current `lastEpoch` (torch's `get_lr` body). */
  protected computeLr(): number[] {
    throw new RuntimeError(`${this.constructor.name} does not implement get_lr`);
  }

  /** The closed form at `lastEpoch` (torch's `_get_closed_form_lr`), for the schedulers that have one. */
  closedFormLr?(): number[];

  /** The learning rates the last step wrote, one per driven group (torch's `get_last_lr`). */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /**
   * Advances the schedule by one step and writes the new lr into every driven group.
   *
   * @param epoch deprecated (torch warns): jump to this epoch, using the closed form where there is one.
   * @throws whatever the schedule throws (OneCycleLR past its total steps); the scheduler is left as it was.
   */
  step(epoch?: number): void {
    checkEpoch(epoch);
    if (this.stepCount === 1) {
      if (optimizerStepReplaced(this.optimizer)) warn(STEP_OVERRIDDEN_WARNING);
      else if (!optimizerHasStepped(this.optimizer)) warn(STEP_ORDER_WARNING);
    }
    const count = this.stepCount;
    this.stepCount++;
    if (epoch !== undefined) warn(EPOCH_DEPRECATION_WARNING);
    try {
      this.updateLr(epoch);
    } catch (e) {
      this.stepCount = count;
      throw e;
    }
  }

  /** torch's `_update_lr`: moves `lastEpoch`, computes the lrs and writes them. Atomic: a throw changes nothing. */
  protected updateLr(epoch?: number): void {
    const saved = this.lastEpoch;
    let values: number[];
    this.getLrCalledWithinStep = true;
    try {
      if (epoch === undefined) {
        this.lastEpoch += 1;
        values = this.getLr();
      } else {
        this.lastEpoch = epoch;
        values = this.closedFormLr !== undefined ? this.closedFormLr() : this.getLr();
      }
    } catch (e) {
      this.lastEpoch = saved;
      throw e;
    } finally {
      this.getLrCalledWithinStep = false;
    }
    this.writeLr(values);
  }

  /** Writes lrs into the driven groups (as torch's `zip`: the shorter list wins) and records them as the last lrs. */
  protected writeLr(values: readonly number[]): void {
    const groups = this.groups();
    groups.forEach((g, i) => {
      if (i < values.length) g.lr = values[i];
    });
    this.lastLr = groups.map((g) => g.lr as number);
  }

  /** Writes the state this scheduler last produced back into the groups (lr; cycled momentum in subclasses). */
  protected restoreGroups(): void {
    const groups = this.groups();
    groups.forEach((g, i) => {
      if (i < this.lastLr.length) g.lr = this.lastLr[i];
    });
  }

  /** The scheduler's own state dict entries (torch's names); the base adds its keys. */
  protected ownState(): SchedulerStateDict {
    return {};
  }

  /** Checks the scheduler's own entries of a state dict before anything is loaded. */
  protected checkOwnState(_sd: SchedulerStateDict): void {}

  /** Loads the scheduler's own entries (already checked). */
  protected loadOwnState(_sd: SchedulerStateDict): void {}

  /**
   * The scheduler's state in torch's layout. Functions (lambdas, scale functions) are not saved: their entries
   * are `null`, as torch saves `None` for plain functions.
   */
  stateDict(): SchedulerStateDict {
    return {
      ...this.ownState(),
      base_lrs: [...this.baseLrs],
      last_epoch: this.lastEpoch,
      _step_count: this.stepCount,
      _get_lr_called_within_step: false,
      _is_initial: false,
      _last_lr: [...this.lastLr],
    };
  }

  /**
   * Loads a state dict from {@link LRScheduler.stateDict} (or its JSON round trip, or torch's converted to
   * JSON), then writes the saved last lrs (and cycled momentum) into the driven groups, so that the schedule
   * continues exactly whether the optimizer's state is loaded before or after. Unknown keys (torch 1.13's
   * `verbose`...) are ignored. Everything is checked before anything changes.
   *
   * @throws ValueError on a missing or malformed entry, or lists of the wrong length.
   */
  loadStateDict(stateDict: SchedulerStateDict): void {
    const sd = ownState(stateDict);
    this.checkStateDict(sd);
    this.baseLrs = numberList(sd.base_lrs, 'base_lrs', null);
    this.lastEpoch = sd.last_epoch as number;
    this.stepCount = sd._step_count as number;
    this.lastLr = numberList(sd._last_lr, '_last_lr', null);
    this.loadOwnState(sd);
    this.restoreGroups();
  }

  /**
   * Checks a whole state dict (own entries only) without changing anything: what {@link LRScheduler.loadStateDict}
   * checks before it loads. Composite schedulers check their sub-schedulers' dicts too.
   *
   * @throws ValueError on a missing or malformed entry.
   */
  checkStateDict(stateDict: SchedulerStateDict): void {
    const sd = ownState(stateDict);
    const n = this.groups().length;
    numberList(sd.base_lrs, 'base_lrs', n);
    const lastEpoch = numberEntry(sd.last_epoch, 'last_epoch');
    if (!Number.isInteger(lastEpoch) || lastEpoch < -1)
      throw new ValueError(`loaded scheduler state dict: 'last_epoch' must be an integer >= -1, got ${lastEpoch}`);
    const stepCount = numberEntry(sd._step_count, '_step_count');
    if (!Number.isInteger(stepCount) || stepCount < 0)
      throw new ValueError(`loaded scheduler state dict: '_step_count' must be an integer >= 0, got ${stepCount}`);
    numberList(sd._last_lr, '_last_lr', n);
    this.checkOwnState(sd);
  }

  /** @internal */
  [UPDATE_LR](epoch?: number): void {
    this.updateLr(epoch);
  }
  /** @internal */
  [INITIAL_STEP](): void {
    this.initialStep();
  }
  /** @internal */
  [RESTORE_GROUPS](): void {
    this.restoreGroups();
  }
  /** @internal */
  get [GROUP_INDICES](): number[] | null {
    return this.groupIndices;
  }
}

/** @internal Rejects an `epoch` given to `step()` that is not a finite number (torch fails on it in arithmetic). */
export function checkEpoch(epoch: unknown): void {
  if (epoch !== undefined && (typeof epoch !== 'number' || !Number.isFinite(epoch))) {
    throw new TypeError_(`step(): epoch must be a finite number, got ${typeName(epoch)} ${String(epoch)}`);
  }
}

/** Per-group values from one value or a list (torch's `_format_param`), with torch's message on a length mismatch. */
export function formatParam(name: string, value: number | readonly number[], n: number): number[] {
  if (Array.isArray(value)) {
    if (value.length !== n) {
      throw new ValueError(
        `${name} must have the same length as optimizer.param_groups. ${name} has ${value.length} values, param_groups has ${n}.`,
      );
    }
    return [...value];
  }
  return new Array<number>(n).fill(value as number);
}
