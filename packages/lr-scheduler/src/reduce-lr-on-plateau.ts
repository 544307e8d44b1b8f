import { RuntimeError, ValueError } from '@tsoptim/core';
import type { Optimizer } from '@tsoptim/optim';
import { checkFields, checkNumbers, loadNumbers, ownState } from './internal/fields.js';
import { EPOCH_DEPRECATION_WARNING, warn } from './internal/warn.js';
import { declareOptions, num, oneOf, perGroup, readOptions } from './internal/options.js';
import {
  LRScheduler,
  type LRSchedulerOptions,
  SCHEDULER_OPTIONS,
  type SchedulerStateDict,
  checkEpoch,
  drivenCount,
  numberEntry,
  numberList,
} from './lr-scheduler.js';

const OPTIONS = declareOptions('ReduceLROnPlateau', [
  ...SCHEDULER_OPTIONS.filter((d) => d.name !== 'lastEpoch'),
  { name: 'mode', default: 'min', check: oneOf(['min', 'max'], (v) => `mode ${String(v)} is unknown!`) },
  { name: 'factor', default: 0.1, check: num({ max: 1, maxExclusive: true, message: () => 'Factor should be < 1.0.' }) },
  { name: 'patience', default: 10, check: num({ int: true, min: 0 }) },
  { name: 'threshold', default: 1e-4, check: num() },
  { name: 'thresholdMode', default: 'rel', check: oneOf(['rel', 'abs'], (v) => `threshold mode ${String(v)} is unknown!`) },
  { name: 'cooldown', default: 0, check: num({ int: true, min: 0 }) },
  { name: 'minLr', default: 0, check: perGroup(num({ min: 0 })) },
  { name: 'eps', default: 1e-8, check: num({ min: 0 }) },
]);

/** Options of {@link ReduceLROnPlateau}; defaults as torch's. */
export interface ReduceLROnPlateauOptions extends Omit<LRSchedulerOptions, 'lastEpoch'> {
  /** `'min'`: reduce when the metric stops decreasing (default); `'max'`: when it stops increasing. */
  mode?: 'min' | 'max';
  /** new_lr = lr · factor (default 0.1; must be < 1). */
  factor?: number;
  /** Epochs without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** Threshold for a significant improvement (default 1e-4). */
  threshold?: number;
  /** `'rel'` (default): best · (1 ∓ threshold); `'abs'`: best ∓ threshold. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting bad epochs again (default 0). */
  cooldown?: number;
  /** Lower bound on the lr: one for all groups, or one per driven group (default 0). */
  minLr?: number | readonly number[];
  /** A reduction smaller than eps is skipped (default 1e-8). */
  eps?: number;
}

/**
 * Reduces the lr when a metric has stopped improving (torch.optim.lr_scheduler.ReduceLROnPlateau): after more
 * than `patience` epochs without an improvement beyond `threshold` (relative or absolute), every group's lr is
 * multiplied by `factor` (not below its `minLr`, and only when the change exceeds `eps`), then `cooldown` epochs
 * pass before bad epochs count again.
 *
 * `step(metric)` takes the metric. Without `groups`, it drives every group the optimizer has when it steps
 * (a group added later gets the single `minLr`, as torch).
 *
 * @throws ValueError `Factor should be < 1.0.`, `expected n min_lrs, got m`, `mode … is unknown!`,
 * `threshold mode … is unknown!`.
 * @example
 * const sched = new ReduceLROnPlateau(opt, { mode: 'min', patience: 5 });
 * for (const epoch of epochs) { train(); sched.step(validationLoss()); }
 */
export class ReduceLROnPlateau extends LRScheduler {
  /** @internal Recognised by the composite schedulers, which reject it. */
  readonly isReduceLROnPlateau = true;
  factor: number;
  minLrs: number[];
  defaultMinLr: number | null;
  patience: number;
  cooldown: number;
  eps: number;
  mode: 'min' | 'max';
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  /** The best metric so far (±Infinity before the first). */
  best = 0;
  modeWorse = 0;
  cooldownCounter = 0;
  numBadEpochs = 0;

  constructor(optimizer: Optimizer, options: ReduceLROnPlateauOptions = {}) {
    const o = readOptions<Required<ReduceLROnPlateauOptions>>(OPTIONS, options);
    const factor = o.factor;
    const n = drivenCount(optimizer, o);
    const minLr = o.minLr;
    let minLrs: number[];
    let defaultMinLr: number | null;
    if (Array.isArray(minLr)) {
      if (minLr.length !== n) throw new ValueError(`expected ${n} min_lrs, got ${minLr.length}`);
      minLrs = [...minLr];
      defaultMinLr = null;
    } else {
      defaultMinLr = minLr as number;
      minLrs = new Array<number>(n).fill(defaultMinLr);
    }
    const mode = o.mode;
    const thresholdMode = o.thresholdMode;
    super(optimizer, o, 'bare');
    this.factor = factor;
    this.minLrs = minLrs;
    this.defaultMinLr = defaultMinLr;
    this.patience = o.patience;
    this.cooldown = o.cooldown;
    this.eps = o.eps;
    this.lastEpoch = 0;
    this.lastLr = this.groups().map((g) => g.lr as number);
    this.mode = mode;
    this.threshold = o.threshold;
    this.thresholdMode = thresholdMode;
    this.modeWorse = mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    this.reset();
  }

  private reset(): void {
    this.best = this.modeWorse;
    this.cooldownCounter = 0;
    this.numBadEpochs = 0;
  }

  /** True while in cooldown after a reduction. */
  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /**
   * Records the metric of an epoch and reduces the lr if it has plateaued.
   *
   * @param metrics the monitored quantity (a number, or anything `Number()` reads).
   * @param epoch deprecated (torch warns): the epoch index to record.
   */
  override step(metrics: number, epoch?: number): void {
    checkEpoch(epoch);
    const current = Number(metrics);
    if (typeof metrics !== 'number' && (typeof metrics !== 'string' || Number.isNaN(current))) {
      throw new ValueError(`could not convert ${typeof metrics} to float: ${String(metrics)} (metrics must be a number)`);
    }
    if (epoch === undefined) epoch = this.lastEpoch + 1;
    else warn(EPOCH_DEPRECATION_WARNING);
    this.lastEpoch = epoch;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0; // ignore any bad epochs in cooldown
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.groups().map((g) => g.lr as number);
  }

  private reduceLr(): void {
    const groups = this.groups();
    if (groups.length !== this.minLrs.length) {
      if (this.defaultMinLr === null) {
        throw new RuntimeError(
          `The number of param groups in the \`optimizer\` (${groups.length}) differs from when \`ReduceLROnPlateau\` was initialized (${this.minLrs.length}), usually due to a new param group being added to the optimizer. Please modify the \`min_lrs\` field to match the length of the \`optimizer\` param groups.`,
        );
      }
      this.minLrs = new Array<number>(groups.length).fill(this.defaultMinLr);
    }
    groups.forEach((g, i) => {
      const oldLr = Number(g.lr);
      const newLr = Math.max(oldLr * this.factor, this.minLrs[i]!);
      if (oldLr - newLr > this.eps) g.lr = newLr;
    });
  }

  /** Whether `a` improves on `best` by more than the threshold. */
  isBetter(a: number, best: number): boolean {
    if (this.mode === 'min' && this.thresholdMode === 'rel') return a < best * (1.0 - this.threshold);
    if (this.mode === 'min' && this.thresholdMode === 'abs') return a < best - this.threshold;
    if (this.mode === 'max' && this.thresholdMode === 'rel') return a > best * (this.threshold + 1.0);
    return a > best + this.threshold;
  }

  override getLr(): number[] {
    throw new RuntimeError('ReduceLROnPlateau has no get_lr: its lr depends on the metrics given to step()');
  }

  override stateDict(): SchedulerStateDict {
    return {
      factor: this.factor,
      min_lrs: [...this.minLrs],
      default_min_lr: this.defaultMinLr,
      patience: this.patience,
      cooldown: this.cooldown,
      eps: this.eps,
      last_epoch: this.lastEpoch,
      _last_lr: [...this.lastLr],
      mode: this.mode,
      threshold: this.threshold,
      threshold_mode: this.thresholdMode,
      mode_worse: this.modeWorse,
      best: this.best,
      cooldown_counter: this.cooldownCounter,
      num_bad_epochs: this.numBadEpochs,
    };
  }

  /**
   * Loads torch's keys and writes the saved lr into the groups. `best` and `mode_worse` may be ±Infinity, or
   * `null` / `"inf"` / `"-inf"` as a JSON round trip writes them.
   */
  override checkStateDict(stateDict: SchedulerStateDict): void {
    const sd = ownState(stateDict);
    const mode = (sd.mode ?? this.mode) as 'min' | 'max';
    const thresholdMode = (sd.threshold_mode ?? this.thresholdMode) as 'rel' | 'abs';
    checkModes(mode, thresholdMode);
    checkFields(sd, OPTIONS, { factor: 'factor', patience: 'patience', cooldown: 'cooldown', eps: 'eps', threshold: 'threshold' });
    checkNumbers(sd, ['last_epoch', 'cooldown_counter', 'num_bad_epochs']);
    for (const k of ['last_epoch', 'cooldown_counter', 'num_bad_epochs']) {
      if (Object.hasOwn(sd, k) && (!Number.isInteger(sd[k]) || (sd[k] as number) < (k === 'last_epoch' ? -1 : 0))) {
        throw new ValueError(
          `loaded scheduler state dict: '${k}' must be an integer >= ${k === 'last_epoch' ? -1 : 0}, got ${String(sd[k])}`,
        );
      }
    }
    if (Object.hasOwn(sd, 'default_min_lr') && sd.default_min_lr !== null && typeof sd.default_min_lr !== 'number') {
      throw new ValueError("loaded scheduler state dict: 'default_min_lr' must be a number or null");
    }
    numberEntry(sd.last_epoch, 'last_epoch');
    if (sd.min_lrs !== undefined) numberList(sd.min_lrs, 'min_lrs', this.groups().length);
    if (sd._last_lr !== undefined) numberList(sd._last_lr, '_last_lr', this.groups().length);
    if (sd.best !== undefined) readFloat(sd.best, 0, 'best');
  }

  override loadStateDict(stateDict: SchedulerStateDict): void {
    const sd = ownState(stateDict);
    this.checkStateDict(sd);
    const mode = (sd.mode ?? this.mode) as 'min' | 'max';
    const thresholdMode = (sd.threshold_mode ?? this.thresholdMode) as 'rel' | 'abs';
    const n = this.groups().length;
    const minLrs = sd.min_lrs === undefined ? this.minLrs : numberList(sd.min_lrs, 'min_lrs', null);
    const lastLr = sd._last_lr === undefined ? this.lastLr : numberList(sd._last_lr, '_last_lr', n);
    const worse = mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    const best = sd.best === undefined ? this.best : readFloat(sd.best, worse, 'best');
    loadNumbers(this, sd, {
      factor: 'factor',
      patience: 'patience',
      cooldown: 'cooldown',
      eps: 'eps',
      last_epoch: 'lastEpoch',
      threshold: 'threshold',
      cooldown_counter: 'cooldownCounter',
      num_bad_epochs: 'numBadEpochs',
    });
    if (Object.hasOwn(sd, 'default_min_lr')) this.defaultMinLr = typeof sd.default_min_lr === 'number' ? sd.default_min_lr : null;
    this.minLrs = minLrs;
    this.lastLr = lastLr;
    this.mode = mode;
    this.thresholdMode = thresholdMode;
    this.modeWorse = worse;
    this.best = best;
    this.restoreGroups();
  }
}

function checkModes(mode: string, thresholdMode: string): void {
  if (mode !== 'min' && mode !== 'max') throw new ValueError(`mode ${mode} is unknown!`);
  if (thresholdMode !== 'rel' && thresholdMode !== 'abs') throw new ValueError(`threshold mode ${thresholdMode} is unknown!`);
}

function readFloat(v: unknown, whenNull: number, key: string): number {
  if (typeof v === 'number') return v;
  if (v === null) return whenNull;
  if (typeof v === 'string' && /^[+-]?(inf|infinity)$/i.test(v))
    return v.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  throw new ValueError(`loaded scheduler state dict: '${key}' must be a number`);
}
