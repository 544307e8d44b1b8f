import { TypeError_, ValueError } from '@tsoptim/core';
import type { Optimizer } from '@tsoptim/optim';
import { checkFields, checkNumbers, loadNumbers } from './internal/fields.js';
import { checkLambdaState, loadLambdaState, saveLambdaState } from './internal/lambda-state.js';
import { CYCLE_KEYS, checkMomentumGroups, momentumKind, snapshotGroups, writeMomentum } from './internal/momentum.js';
import { bool, declareOptions, fn, nullable, num, oneOf, perGroup, readOptions, typeError } from './internal/options.js';
import {
  LRScheduler,
  type LRSchedulerOptions,
  SCHEDULER_OPTIONS,
  type SchedulerStateDict,
  checkSchedulerBase,
  drivenGroups,
  formatParam,
  numberList,
} from './lr-scheduler.js';

const OPTIONS = declareOptions('CyclicLR', [
  ...SCHEDULER_OPTIONS,
  { name: 'baseLr', required: true, check: perGroup(num()) },
  { name: 'maxLr', required: true, check: perGroup(num()) },
  { name: 'stepSizeUp', default: 2000, check: num({ min: 0, minExclusive: true }) },
  { name: 'stepSizeDown', default: null, check: nullable(num({ min: 0 })) },
  {
    name: 'mode',
    default: 'triangular',
    check: (v, ctx) => {
      if (typeof v !== 'string') typeError(ctx, 'a string', v);
    },
  },
  { name: 'gamma', default: 1.0, check: num() },
  { name: 'scaleFn', default: null, check: nullable(fn) },
  { name: 'scaleMode', default: 'cycle', check: oneOf(['cycle', 'iterations']) },
  { name: 'cycleMomentum', default: true, check: bool },
  { name: 'baseMomentum', default: 0.8, check: perGroup(num()) },
  { name: 'maxMomentum', default: 0.9, check: perGroup(num()) },
]);

/** Options of {@link CyclicLR}; defaults as torch's. */
export interface CyclicLROptions extends LRSchedulerOptions {
  /** Lower lr boundary: one value or one per driven group. */
  baseLr: number | readonly number[];
  /** Upper lr boundary: one value or one per driven group. */
  maxLr: number | readonly number[];
  /** Steps in the increasing half of a cycle (default 2000). */
  stepSizeUp?: number;
  /** Steps in the decreasing half (default: `stepSizeUp`). */
  stepSizeDown?: number | null;
  /** `'triangular'` (default), `'triangular2'` (amplitude halves each cycle), `'exp_range'` (γ^iterations). */
  mode?: 'triangular' | 'triangular2' | 'exp_range';
  /** The constant of `'exp_range'` (default 1). */
  gamma?: number;
  /** A custom scaling policy, 0 ≤ f(x) ≤ 1; replaces `mode`. */
  scaleFn?: ((x: number) => number) | null;
  /** What `scaleFn` receives: the cycle number (`'cycle'`, default) or the iteration (`'iterations'`). */
  scaleMode?: 'cycle' | 'iterations';
  /** Cycle momentum (or Adam's `betas[0]`) inversely to the lr (default true). */
  cycleMomentum?: boolean;
  /** Lower momentum boundary, reached at the lr's peak (default 0.8). */
  baseMomentum?: number | readonly number[];
  /** Upper momentum boundary, at the start of a cycle (default 0.9). */
  maxMomentum?: number | readonly number[];
}

/**
 * The cyclical learning-rate policy (torch.optim.lr_scheduler.CyclicLR), from Smith, "Cyclical Learning Rates for
 * Training Neural Networks" (https://arxiv.org/abs/1506.01186). With t the step and T = up + down:
 *
 *   cycle = ⌊1 + t/T⌋,  x = 1 + t/T − cycle,  s = x/r (x ≤ r) or (x − 1)/(r − 1), r = up/T
 *   lr = base_lr + (max_lr − base_lr) · s · f(cycle or t);   momentum = max_m − (max_m − base_m) · s · f(…)
 *
 * Momentum cycling writes `momentum`, or `betas[0]` for optimizers with `betas` (Adam). Step it after every batch.
 *
 * @throws ValueError `mode is invalid and scale_fn is None`, `optimizer must support momentum or beta1 with
 * \`cycle_momentum\` option enabled`, and torch's message for a per-group list of the wrong length.
 * @example
 * const sched = new CyclicLR(opt, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 10 });
 */
export class CyclicLR extends LRScheduler {
  maxLrs: number[];
  totalSize: number;
  stepRatio: number;
  mode: string;
  gamma: number;
  scaleMode: 'cycle' | 'iterations';
  cycleMomentum: boolean;
  useBeta1 = false;
  baseMomentums: number[] = [];
  maxMomentums: number[] = [];
  private readonly scaleFnCustom: ((x: number) => number) | null;

  constructor(optimizer: Optimizer, options: CyclicLROptions) {
    const o = readOptions<Required<CyclicLROptions>>(OPTIONS, options);
    const groups = drivenGroups(optimizer, o);
    const n = groups.length;
    const baseLrs = formatParam('base_lr', o.baseLr, n);
    const maxLrs = formatParam('max_lr', o.maxLr, n);
    const up = o.stepSizeUp;
    const down = o.stepSizeDown ?? up;
    const mode = o.mode;
    const scaleFn = o.scaleFn;
    if (!['triangular', 'triangular2', 'exp_range'].includes(mode) && scaleFn === null) {
      throw new ValueError('mode is invalid and scale_fn is None');
    }
    const cycleMomentum = o.cycleMomentum;
    let useBeta1 = false;
    let baseMomentums: number[] = [];
    let maxMomentums: number[] = [];
    if (cycleMomentum) {
      useBeta1 = momentumKind(optimizer) === 'betas';
      baseMomentums = formatParam('base_momentum', o.baseMomentum, n);
      maxMomentums = formatParam('max_momentum', o.maxMomentum, n);
    }
    checkSchedulerBase(optimizer, o);
    // Everything is checked: from here on a failure (a scale function that throws) puts the groups back.
    const restore = snapshotGroups(groups, CYCLE_KEYS);
    const lastEpoch = o.lastEpoch;
    if (lastEpoch === -1) {
      groups.forEach((g, i) => {
        g.lr = baseLrs[i];
        if (cycleMomentum) {
          writeMomentum(g, useBeta1, maxMomentums[i]!);
          g.maxMomentum = maxMomentums[i];
          g.baseMomentum = baseMomentums[i];
        }
      });
    }
    super(optimizer, o);
    this.maxLrs = maxLrs;
    this.totalSize = up + down;
    this.stepRatio = up / this.totalSize;
    this.mode = mode;
    this.gamma = o.gamma;
    this.scaleFnCustom = scaleFn;
    this.scaleMode = scaleFn !== null ? o.scaleMode : mode === 'exp_range' ? 'iterations' : 'cycle';
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = useBeta1;
    this.baseMomentums = baseMomentums;
    this.maxMomentums = maxMomentums;
    try {
      this.initialStep();
    } catch (e) {
      restore();
      throw e;
    }
    this.baseLrs = baseLrs;
  }

  /** The scaling policy: the custom function, or the mode's (1; 1/2^(x−1); γ^x). */
  scaleFn(x: number): number {
    if (this.scaleFnCustom !== null) {
      const v: unknown = this.scaleFnCustom(x);
      if (typeof v !== 'number') throw new TypeError_(`scale_fn returned ${typeof v} ${String(v)} for ${x}, not a number`);
      return v;
    }
    if (this.mode === 'triangular') return 1.0;
    if (this.mode === 'triangular2') return 1 / 2.0 ** (x - 1);
    return this.gamma ** x;
  }

  private position(): { scale: number; arg: number } {
    const cycle = Math.floor(1 + this.lastEpoch / this.totalSize);
    const x = 1.0 + this.lastEpoch / this.totalSize - cycle;
    const scale = x <= this.stepRatio ? x / this.stepRatio : (x - 1) / (this.stepRatio - 1);
    return { scale, arg: this.scaleMode === 'cycle' ? cycle : this.lastEpoch };
  }

  private momentaAt(): number[] {
    const { scale, arg } = this.position();
    return this.baseMomentums.map((b, i) => this.maxMomentums[i]! - (this.maxMomentums[i]! - b) * scale * this.scaleFn(arg));
  }

  /** The lrs at `lastEpoch`; as in torch, cycled momentum is written into the groups as a side effect. */
  protected override computeLr(): number[] {
    const { scale, arg } = this.position();
    const lrs = this.baseLrs.map((b, i) => b + (this.maxLrs[i]! - b) * scale * this.scaleFn(arg));
    if (this.cycleMomentum) {
      const m = this.momentaAt();
      this.groups().forEach((g, i) => {
        if (i < m.length) writeMomentum(g, this.useBeta1, m[i]!);
      });
    }
    return lrs;
  }

  protected override restoreGroups(): void {
    super.restoreGroups();
    if (this.cycleMomentum) {
      const m = this.momentaAt();
      this.groups().forEach((g, i) => {
        if (i < m.length) writeMomentum(g, this.useBeta1, m[i]!);
      });
    }
  }

  protected override ownState(): SchedulerStateDict {
    const sd: SchedulerStateDict = {
      max_lrs: [...this.maxLrs],
      total_size: this.totalSize,
      step_ratio: this.stepRatio,
      mode: this.mode,
      gamma: this.gamma,
      _scale_fn_custom: this.scaleFnCustom === null ? null : saveLambdaState([this.scaleFnCustom])[0],
      scale_mode: this.scaleMode,
      cycle_momentum: this.cycleMomentum,
    };
    if (this.cycleMomentum) {
      sd.use_beta1 = this.useBeta1;
      sd.base_momentums = [...this.baseMomentums];
      sd.max_momentums = [...this.maxMomentums];
    }
    return sd;
  }

  protected override checkOwnState(sd: SchedulerStateDict): void {
    const n = this.groups().length;
    checkFields(sd, OPTIONS, { gamma: 'gamma' });
    checkNumbers(sd, ['total_size', 'step_ratio']);
    if (Object.hasOwn(sd, 'total_size') && !((sd.total_size as number) > 0 && Number.isFinite(sd.total_size))) {
      throw new ValueError(`loaded scheduler state dict: 'total_size' must be a positive number, got ${String(sd.total_size)}`);
    }
    if (Object.hasOwn(sd, 'step_ratio') && !((sd.step_ratio as number) > 0 && (sd.step_ratio as number) <= 1)) {
      throw new ValueError(`loaded scheduler state dict: 'step_ratio' must be in (0, 1], got ${String(sd.step_ratio)}`);
    }
    if (sd.mode !== undefined && typeof sd.mode !== 'string') throw new ValueError("loaded scheduler state dict: 'mode' must be a string");
    if (this.scaleFnCustom === null && typeof sd.mode === 'string' && !['triangular', 'triangular2', 'exp_range'].includes(sd.mode)) {
      throw new ValueError(`loaded scheduler state dict: 'mode' ${sd.mode} is invalid and scale_fn is None`);
    }
    for (const k of ['cycle_momentum', 'use_beta1']) {
      if (sd[k] !== undefined && typeof sd[k] !== 'boolean')
        throw new ValueError(`loaded scheduler state dict: '${k}' must be true or false`);
    }
    if (this.scaleFnCustom !== null) checkLambdaState([this.scaleFnCustom], [sd._scale_fn_custom ?? null], '_scale_fn_custom');
    const cycles = typeof sd.cycle_momentum === 'boolean' ? sd.cycle_momentum : this.cycleMomentum;
    const beta1 = typeof sd.use_beta1 === 'boolean' ? sd.use_beta1 : this.useBeta1;
    if (cycles) checkMomentumGroups(this.groups(), beta1);
    if (sd.max_lrs !== undefined) numberList(sd.max_lrs, 'max_lrs', n);
    if (sd.base_momentums !== undefined) numberList(sd.base_momentums, 'base_momentums', n);
    if (sd.max_momentums !== undefined) numberList(sd.max_momentums, 'max_momentums', n);
    if (sd.scale_mode !== undefined && sd.scale_mode !== 'cycle' && sd.scale_mode !== 'iterations') {
      throw new ValueError("loaded scheduler state dict: 'scale_mode' must be 'cycle' or 'iterations'");
    }
    if (sd.cycle_momentum === true && !this.cycleMomentum && (sd.base_momentums === undefined || sd.max_momentums === undefined)) {
      throw new ValueError("loaded scheduler state dict cycles momentum but has no 'base_momentums' and 'max_momentums'");
    }
  }

  protected override loadOwnState(sd: SchedulerStateDict): void {
    loadNumbers(this, sd, { total_size: 'totalSize', step_ratio: 'stepRatio', gamma: 'gamma' });
    if (sd.max_lrs !== undefined) this.maxLrs = [...(sd.max_lrs as number[])];
    if (typeof sd.mode === 'string') this.mode = sd.mode;
    if (sd.scale_mode !== undefined) this.scaleMode = sd.scale_mode as 'cycle' | 'iterations';
    if (typeof sd.cycle_momentum === 'boolean') this.cycleMomentum = sd.cycle_momentum;
    if (typeof sd.use_beta1 === 'boolean') this.useBeta1 = sd.use_beta1;
    if (sd.base_momentums !== undefined) this.baseMomentums = [...(sd.base_momentums as number[])];
    if (sd.max_momentums !== undefined) this.maxMomentums = [...(sd.max_momentums as number[])];
    if (this.scaleFnCustom !== null) loadLambdaState([this.scaleFnCustom], [sd._scale_fn_custom ?? null], false, '_scale_fn_custom');
  }
}
