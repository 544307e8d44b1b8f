import { TypeError_, ValueError } from '@tsoptim/core';
import type { Optimizer } from '@tsoptim/optim';
import { checkFields, checkNumbers, loadNumbers } from './internal/fields.js';
import { pyMod } from './internal/py.js';
import { declareOptions, num, readOptions } from './internal/options.js';
import { typeName } from './internal/py.js';
import { LRScheduler, type LRSchedulerOptions, SCHEDULER_OPTIONS, type SchedulerStateDict, checkEpoch } from './lr-scheduler.js';

const OPTIONS = declareOptions('CosineAnnealingWarmRestarts', [
  ...SCHEDULER_OPTIONS,
  {
    name: 't0',
    torchName: 'T_0',
    required: true,
    check: num({ int: true, min: 1, message: (v) => `Expected positive integer T_0, but got ${v}` }),
  },
  {
    name: 'tMult',
    torchName: 'T_mult',
    default: 1,
    check: num({ int: true, min: 1, message: (v) => `Expected integer T_mult >= 1, but got ${v}` }),
  },
  {
    name: 'etaMin',
    default: 0.0,
    check: (v) => {
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new TypeError_(`Expected float or int eta_min, but got ${String(v)} of type ${typeName(v)}`);
    },
  },
]);

/** Options of {@link CosineAnnealingWarmRestarts}. */
export interface CosineAnnealingWarmRestartsOptions extends LRSchedulerOptions {
  /** Steps until the first restart (torch's `T_0`), a positive integer. */
  t0: number;
  /** Factor by which the period grows after each restart (torch's `T_mult`, an integer ≥ 1; default 1). */
  tMult?: number;
  /** Minimum lr (default 0; torch's `eta_min`). */
  etaMin?: number;
}

/**
 * Cosine annealing with warm restarts, SGDR (Loshchilov & Hutter, https://arxiv.org/abs/1608.03983;
 * torch.optim.lr_scheduler.CosineAnnealingWarmRestarts):
 *
 *   η_t = η_min + (η_max − η_min)(1 + cos(π T_cur / T_i)) / 2,
 *
 * T_cur counting steps since the last restart and T_i the current period (T_0, T_0·T_mult, ...). `step(epoch)`
 * accepts fractional epochs (`epoch + i / itersPerEpoch`), without torch's deprecation warning.
 *
 * @throws ValueError `Expected positive integer T_0, but got …`, `Expected integer T_mult >= 1, but got …`,
 * `Expected float or int eta_min, but got … of type …`, `Expected non-negative epoch, but got …`.
 * @example
 * const sched = new CosineAnnealingWarmRestarts(opt, { t0: 10, tMult: 2 });
 * for (let epoch = 0; epoch < 20; epoch++) for (let i = 0; i < iters; i++) { train(); sched.step(epoch + i / iters); }
 */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  t0: number;
  tI: number;
  tMult: number;
  etaMin: number;
  tCur: number;

  constructor(optimizer: Optimizer, options: CosineAnnealingWarmRestartsOptions) {
    const o = readOptions<Required<Pick<CosineAnnealingWarmRestartsOptions, 't0' | 'tMult' | 'etaMin'>> & LRSchedulerOptions>(
      OPTIONS,
      options,
    );
    const { t0, tMult, etaMin } = o;
    super(optimizer, o);
    this.t0 = t0;
    this.tI = t0;
    this.tMult = tMult;
    this.etaMin = etaMin;
    this.tCur = this.lastEpoch;
    this.initialStep();
  }

  protected override computeLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.tCur) / this.tI))) / 2);
  }

  /**
   * Advances one step, or jumps to `epoch` (fractional epochs allowed). Can be interleaved: after `step(26)`,
   * `step()` goes to 27.
   *
   * @throws ValueError `Expected non-negative epoch, but got …`.
   */
  override step(epoch?: number): void {
    checkEpoch(epoch);
    if (epoch === undefined && this.lastEpoch < 0) epoch = 0;
    let tCur = this.tCur;
    let tI = this.tI;
    if (epoch === undefined) {
      epoch = this.lastEpoch + 1;
      tCur = tCur + 1;
      if (tCur >= tI) {
        tCur = pyMod(tCur, tI);
        tI = tI * this.tMult;
      }
    } else {
      if (epoch < 0) throw new ValueError(`Expected non-negative epoch, but got ${epoch}`);
      if (epoch >= this.t0) {
        if (this.tMult === 1) {
          tCur = pyMod(epoch, this.t0);
        } else {
          const n = Math.trunc(Math.log((epoch / this.t0) * (this.tMult - 1) + 1) / Math.log(this.tMult));
          tCur = epoch - (this.t0 * (this.tMult ** n - 1)) / (this.tMult - 1);
          tI = this.t0 * this.tMult ** n;
        }
      } else {
        tI = this.t0;
        tCur = epoch;
      }
    }
    this.tCur = tCur;
    this.tI = tI;
    this.lastEpoch = Math.floor(epoch);
    this.getLrCalledWithinStep = true;
    let values: number[];
    try {
      values = this.getLr();
    } finally {
      this.getLrCalledWithinStep = false;
    }
    this.writeLr(values);
  }

  protected override ownState(): SchedulerStateDict {
    return { T_0: this.t0, T_i: this.tI, T_mult: this.tMult, eta_min: this.etaMin, T_cur: this.tCur };
  }
  protected override checkOwnState(sd: SchedulerStateDict): void {
    checkFields(sd, OPTIONS, { T_0: 't0', T_mult: 'tMult', eta_min: 'etaMin' });
    checkNumbers(sd, ['T_i', 'T_cur']);
    if (Object.hasOwn(sd, 'T_i') && !((sd.T_i as number) > 0 && Number.isFinite(sd.T_i))) {
      throw new ValueError(`loaded scheduler state dict: 'T_i' must be a positive number, got ${String(sd.T_i)}`);
    }
    if (Object.hasOwn(sd, 'T_cur') && !Number.isFinite(sd.T_cur))
      throw new ValueError(`loaded scheduler state dict: 'T_cur' must be finite, got ${String(sd.T_cur)}`);
  }
  protected override loadOwnState(sd: SchedulerStateDict): void {
    loadNumbers(this, sd, { T_0: 't0', T_i: 'tI', T_mult: 'tMult', eta_min: 'etaMin', T_cur: 'tCur' });
  }
}
