import { ValueError } from '@tsoptim/core';
import type { Optimizer } from '@tsoptim/optim';
import { checkFields, loadNumbers } from './internal/fields.js';
import { CYCLE_KEYS, checkMomentumGroups, momentumKind, snapshotGroups, writeMomentum } from './internal/momentum.js';
import { bool, declareOptions, nullable, num, oneOf, perGroup, readOptions } from './internal/options.js';
import {
  LRScheduler,
  type Group,
  type LRSchedulerOptions,
  SCHEDULER_OPTIONS,
  type SchedulerStateDict,
  checkSchedulerBase,
  drivenGroups,
  formatParam,
} from './lr-scheduler.js';

const positiveInt = (torchName: string) =>
  nullable(num({ int: true, min: 1, message: (v) => `Expected positive integer ${torchName}, but got ${v}` }));

const OPTIONS = declareOptions('OneCycleLR', [
  ...SCHEDULER_OPTIONS,
  { name: 'maxLr', required: true, check: perGroup(num()) },
  { name: 'totalSteps', default: null, check: positiveInt('total_steps') },
  { name: 'epochs', default: null, check: positiveInt('epochs') },
  { name: 'stepsPerEpoch', default: null, check: positiveInt('steps_per_epoch') },
  {
    name: 'pctStart',
    default: 0.3,
    check: num({ min: 0, max: 1, message: (v) => `Expected float between 0 and 1 pct_start, but got ${v}` }),
  },
  {
    name: 'annealStrategy',
    default: 'cos',
    check: oneOf(['cos', 'linear'], (v) => `anneal_strategy must be one of 'cos' or 'linear', instead got ${String(v)}`),
  },
  { name: 'cycleMomentum', default: true, check: bool },
  { name: 'baseMomentum', default: 0.85, check: perGroup(num()) },
  { name: 'maxMomentum', default: 0.95, check: perGroup(num()) },
  { name: 'divFactor', default: 25.0, check: num({ min: 0, minExclusive: true }) },
  { name: 'finalDivFactor', default: 1e4, check: num({ min: 0, minExclusive: true }) },
  { name: 'threePhase', default: false, check: bool },
]);

/** Options of {@link OneCycleLR}; defaults as torch's. Give `totalSteps`, or `epochs` and `stepsPerEpoch`. */
export interface OneCycleLROptions extends LRSchedulerOptions {
  /** Peak lr: one value or one per driven group. */
  maxLr: number | readonly number[];
  /** Steps in the cycle. */
  totalSteps?: number | null;
  /** With `stepsPerEpoch`, gives totalSteps = epochs · stepsPerEpoch. */
  epochs?: number | null;
  stepsPerEpoch?: number | null;
  /** Fraction of the cycle spent increasing the lr (default 0.3). */
  pctStart?: number;
  /** `'cos'` (default) or `'linear'` annealing. */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle momentum (or Adam's `betas[0]`) inversely to the lr (default true). */
  cycleMomentum?: boolean;
  /** Momentum at the lr's peak (default 0.85). */
  baseMomentum?: number | readonly number[];
  /** Momentum at the start and end (default 0.95). */
  maxMomentum?: number | readonly number[];
  /** initial_lr = max_lr / divFactor (default 25). */
  divFactor?: number;
  /** min_lr = initial_lr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Three phases (up, down to initial_lr, annihilate) as the paper, instead of fastai's two (default false). */
  threePhase?: boolean;
}

/** One phase of the cycle, keyed by torch's group option names. */
export interface SchedulePhase {
  end_step: number;
  start_lr: string;
  end_lr: string;
  start_momentum: string;
  end_momentum: string;
}

const GROUP_KEY = new Map<string, string>([
  ['initial_lr', 'initialLr'],
  ['max_lr', 'maxLr'],
  ['min_lr', 'minLr'],
  ['max_momentum', 'maxMomentum'],
  ['base_momentum', 'baseMomentum'],
]);

function annealCos(start: number, end: number, pct: number): number {
  const cosOut = Math.cos(Math.PI * pct) + 1;
  return end + ((start - end) / 2.0) * cosOut;
}

function annealLinear(start: number, end: number, pct: number): number {
  return (end - start) * pct + start;
}

/**
 * The 1cycle policy (torch.optim.lr_scheduler.OneCycleLR), from Smith & Topin, "Super-Convergence: Very Fast
 * Training of Neural Networks Using Large Learning Rates" (https://arxiv.org/abs/1708.07120): the lr anneals
 * from max_lr/divFactor up to max_lr over `pctStart` of the steps, then down to initial_lr/finalDivFactor;
 * momentum (or `betas[0]`) moves the opposite way. The group options `initialLr`, `maxLr`, `minLr`,
 * `maxMomentum`, `baseMomentum` hold the boundaries (torch's `initial_lr`... in the optimizer's state dict).
 * Not chainable. Step it after every batch; stepping past `totalSteps` throws.
 *
 * @throws ValueError torch's messages for `totalSteps`/`epochs`/`stepsPerEpoch`, `pctStart`, `annealStrategy`,
 * momentum support, and `Tried to step {n} times. The specified number of total steps is {total}` past the end.
 * @example
 * const sched = new OneCycleLR(opt, { maxLr: 0.01, epochs: 10, stepsPerEpoch: batches.length });
 */
export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  schedulePhases: SchedulePhase[];
  annealStrategy: 'cos' | 'linear';
  cycleMomentum: boolean;
  useBeta1 = false;

  constructor(optimizer: Optimizer, options: OneCycleLROptions) {
    const o = readOptions<Required<OneCycleLROptions>>(OPTIONS, options);
    const groups = drivenGroups(optimizer, o);
    const n = groups.length;
    let totalSteps: number;
    const { epochs, stepsPerEpoch } = o;
    if (o.totalSteps !== null) {
      totalSteps = o.totalSteps;
      if (totalSteps <= 0 || !Number.isInteger(totalSteps))
        throw new ValueError(`Expected positive integer total_steps, but got ${totalSteps}`);
    } else if (epochs !== undefined && epochs !== null && stepsPerEpoch !== undefined && stepsPerEpoch !== null) {
      if (!Number.isInteger(epochs) || epochs <= 0) throw new ValueError(`Expected positive integer epochs, but got ${epochs}`);
      if (!Number.isInteger(stepsPerEpoch) || stepsPerEpoch <= 0) {
        throw new ValueError(`Expected positive integer steps_per_epoch, but got ${stepsPerEpoch}`);
      }
      totalSteps = epochs * stepsPerEpoch;
    } else {
      throw new ValueError('You must define either total_steps OR (epochs AND steps_per_epoch)');
    }
    const pct = o.pctStart;
    const phases: SchedulePhase[] = o.threePhase
      ? [
          {
            end_step: pct * totalSteps - 1,
            start_lr: 'initial_lr',
            end_lr: 'max_lr',
            start_momentum: 'max_momentum',
            end_momentum: 'base_momentum',
          },
          {
            end_step: 2 * pct * totalSteps - 2,
            start_lr: 'max_lr',
            end_lr: 'initial_lr',
            start_momentum: 'base_momentum',
            end_momentum: 'max_momentum',
          },
          {
            end_step: totalSteps - 1,
            start_lr: 'initial_lr',
            end_lr: 'min_lr',
            start_momentum: 'max_momentum',
            end_momentum: 'max_momentum',
          },
        ]
      : [
          {
            end_step: pct * totalSteps - 1,
            start_lr: 'initial_lr',
            end_lr: 'max_lr',
            start_momentum: 'max_momentum',
            end_momentum: 'base_momentum',
          },
          { end_step: totalSteps - 1, start_lr: 'max_lr', end_lr: 'min_lr', start_momentum: 'base_momentum', end_momentum: 'max_momentum' },
        ];
    if (typeof pct !== 'number' || pct < 0 || pct > 1) throw new ValueError(`Expected float between 0 and 1 pct_start, but got ${pct}`);
    const anneal = o.annealStrategy;
    if (anneal !== 'cos' && anneal !== 'linear') {
      throw new ValueError(`anneal_strategy must be one of 'cos' or 'linear', instead got ${anneal}`);
    }
    const maxLrs = formatParam('max_lr', o.maxLr, n);
    const divFactor = o.divFactor;
    const finalDivFactor = o.finalDivFactor;
    const cycleMomentum = o.cycleMomentum;
    let useBeta1 = false;
    let maxMomentums: number[] = [];
    let baseMomentums: number[] = [];
    if (cycleMomentum) {
      useBeta1 = momentumKind(optimizer) === 'betas';
      maxMomentums = formatParam('max_momentum', o.maxMomentum, n);
      baseMomentums = formatParam('base_momentum', o.baseMomentum, n);
    }
    checkSchedulerBase(optimizer, o);
    // Everything is checked: from here on a failure puts the groups back.
    const restore = snapshotGroups(groups, CYCLE_KEYS);
    const lastEpoch = o.lastEpoch;
    if (lastEpoch === -1) {
      groups.forEach((g, i) => {
        g.initialLr = maxLrs[i]! / divFactor;
        g.maxLr = maxLrs[i];
        g.minLr = (g.initialLr as number) / finalDivFactor;
        if (cycleMomentum) {
          writeMomentum(g, useBeta1, maxMomentums[i]!);
          g.maxMomentum = maxMomentums[i];
          g.baseMomentum = baseMomentums[i];
        }
      });
    }
    super(optimizer, o);
    this.totalSteps = totalSteps;
    this.schedulePhases = phases;
    this.annealStrategy = anneal;
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = useBeta1;
    try {
      this.initialStep();
    } catch (e) {
      restore();
      throw e;
    }
  }

  private anneal(start: number, end: number, pct: number): number {
    return this.annealStrategy === 'cos' ? annealCos(start, end, pct) : annealLinear(start, end, pct);
  }

  /** The lr and momentum of one group at `step`. */
  private at(g: Group, step: number): { lr: number; momentum: number } {
    let start = 0.0;
    const phases = this.schedulePhases;
    for (let i = 0; i < phases.length; i++) {
      const p = phases[i]!;
      if (step <= p.end_step || i === phases.length - 1) {
        const pct = (step - start) / (p.end_step - start);
        const read = (k: string) => g[GROUP_KEY.get(k) ?? k] as number;
        const lr = this.anneal(read(p.start_lr), read(p.end_lr), pct);
        const momentum = this.cycleMomentum ? this.anneal(read(p.start_momentum), read(p.end_momentum), pct) : Number.NaN;
        return { lr, momentum };
      }
      start = p.end_step;
    }
    throw new ValueError('OneCycleLR has no phases');
  }

  /** The lrs at `lastEpoch`; cycled momentum is written into the groups as a side effect, as torch. */
  protected override computeLr(): number[] {
    const step = this.lastEpoch;
    if (step > this.totalSteps) {
      throw new ValueError(`Tried to step ${step} times. The specified number of total steps is ${this.totalSteps}`);
    }
    const groups = this.groups();
    const values = groups.map((g) => this.at(g, step));
    if (this.cycleMomentum) groups.forEach((g, i) => writeMomentum(g, this.useBeta1, values[i]!.momentum));
    return values.map((v) => v.lr);
  }

  protected override restoreGroups(): void {
    super.restoreGroups();
    if (this.cycleMomentum && this.lastEpoch >= 0 && this.lastEpoch <= this.totalSteps) {
      for (const g of this.groups()) writeMomentum(g, this.useBeta1, this.at(g, this.lastEpoch).momentum);
    }
  }

  protected override ownState(): SchedulerStateDict {
    return {
      total_steps: this.totalSteps,
      _schedule_phases: this.schedulePhases.map((p) => ({ ...p })),
      _anneal_func_type: this.annealStrategy,
      cycle_momentum: this.cycleMomentum,
      use_beta1: this.useBeta1,
    };
  }

  protected override checkOwnState(sd: SchedulerStateDict): void {
    checkFields(sd, OPTIONS, { total_steps: 'totalSteps' });
    if (sd._anneal_func_type !== undefined && sd._anneal_func_type !== 'cos' && sd._anneal_func_type !== 'linear') {
      throw new ValueError(`Unknown _anneal_func_type: ${String(sd._anneal_func_type)}`);
    }
    const ph = sd._schedule_phases;
    if (ph !== undefined) {
      const lrKeys = ['initial_lr', 'max_lr', 'min_lr'];
      const momentumKeys = ['max_momentum', 'base_momentum'];
      const ok = (p: unknown): boolean => {
        if (typeof p !== 'object' || p === null || Array.isArray(p)) return false;
        const q = p as Record<string, unknown>;
        return (
          typeof q.end_step === 'number' &&
          Number.isFinite(q.end_step) &&
          lrKeys.includes(q.start_lr as string) &&
          lrKeys.includes(q.end_lr as string) &&
          momentumKeys.includes(q.start_momentum as string) &&
          momentumKeys.includes(q.end_momentum as string)
        );
      };
      if (!Array.isArray(ph) || ph.length === 0 || !ph.every(ok)) {
        throw new ValueError(
          "loaded scheduler state dict: '_schedule_phases' must be a non-empty list of phases {end_step, start_lr, end_lr, start_momentum, end_momentum}",
        );
      }
    }
    for (const k of ['cycle_momentum', 'use_beta1']) {
      if (sd[k] !== undefined && typeof sd[k] !== 'boolean')
        throw new ValueError(`loaded scheduler state dict: '${k}' must be true or false`);
    }
    const cycles = typeof sd.cycle_momentum === 'boolean' ? sd.cycle_momentum : this.cycleMomentum;
    const beta1 = typeof sd.use_beta1 === 'boolean' ? sd.use_beta1 : this.useBeta1;
    if (cycles) checkMomentumGroups(this.groups(), beta1);
    this.groups().forEach((g, i) => {
      for (const k of ['initialLr', 'maxLr', 'minLr', ...(cycles ? ['maxMomentum', 'baseMomentum'] : [])]) {
        if (typeof g[k] !== 'number') {
          throw new ValueError(
            `param_groups[${this.groupIndex(i)}] has no number '${k}': OneCycleLR state can only be loaded into groups a OneCycleLR was built on`,
          );
        }
      }
    });
  }

  protected override loadOwnState(sd: SchedulerStateDict): void {
    loadNumbers(this, sd, { total_steps: 'totalSteps' });
    if (sd._schedule_phases !== undefined) this.schedulePhases = (sd._schedule_phases as SchedulePhase[]).map((p) => ({ ...p }));
    if (sd._anneal_func_type !== undefined) this.annealStrategy = sd._anneal_func_type as 'cos' | 'linear';
    if (typeof sd.cycle_momentum === 'boolean') this.cycleMomentum = sd.cycle_momentum;
    if (typeof sd.use_beta1 === 'boolean') this.useBeta1 = sd.use_beta1;
  }
}
