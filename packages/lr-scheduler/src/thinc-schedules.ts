/**
 * thinc's schedules (v9 `thinc/schedules.py`), as functions of the step with thinc's formulas and step offsets.
 */
import { ValueError } from '@tsoptim/core';
import { declareOptions, fn, num, readOptions } from './internal/options.js';
import { type Schedule, type ScheduleExtra, type ScheduleLike, makeSchedule } from './schedule.js';

const n = num();
const positive = num({ min: 0, minExclusive: true });
const CONSTANT_THEN = declareOptions('constantThen', [
  { name: 'rate', required: true },
  { name: 'steps', required: true, check: num({ min: 0 }) },
  { name: 'schedule', required: true, check: fn },
]);
const DECAYING = declareOptions('decaying', [
  { name: 'baseRate', required: true, check: n },
  { name: 'decay', required: true, check: n },
  { name: 't', default: 0.0, check: n },
]);
const COMPOUNDING = declareOptions('compounding', [
  { name: 'start', required: true, check: n },
  { name: 'stop', required: true, check: n },
  { name: 'compound', required: true, check: n },
  { name: 't', default: 0.0, check: n },
]);
const WARMUP_LINEAR = declareOptions('warmupLinear', [
  { name: 'initialRate', required: true, check: n },
  { name: 'warmupSteps', required: true, check: num({ min: 0 }) },
  { name: 'totalSteps', required: true, check: num({ min: 0 }) },
]);
const SLANTED_TRIANGULAR = declareOptions('slantedTriangular', [
  { name: 'maxRate', required: true, check: n },
  { name: 'numSteps', required: true, check: positive },
  { name: 'cutFrac', default: 0.1, check: num({ min: 0, minExclusive: true, max: 1, maxExclusive: true }) },
  { name: 'ratio', default: 32, check: positive },
  { name: 't', default: 0.0, check: n },
]);
const CYCLIC_TRIANGULAR = declareOptions('cyclicTriangular', [
  { name: 'minLr', required: true, check: n },
  { name: 'maxLr', required: true, check: n },
  { name: 'period', required: true, check: positive },
]);
const PLATEAU = declareOptions('plateau', [
  { name: 'maxPatience', required: true, check: num({ int: true, min: 0 }) },
  { name: 'scale', required: true, check: n },
  { name: 'schedule', required: true, check: fn },
]);

/**
 * A constant value.
 *
 * @example
 * const lr = constant(0.001); // lr(0) === lr(1000) === 0.001
 */
export function constant<T = number>(rate: T): Schedule<T> {
  return makeSchedule('constant', { rate }, () => rate);
}

/** Options of {@link constantThen}. */
export interface ConstantThenOptions<T = number> {
  /** The value for the first `steps` steps. */
  rate: T;
  steps: number;
  /** The schedule from then on, called with the same (not shifted) step, as thinc. */
  schedule: ScheduleLike<T>;
}

/**
 * `rate` for the first `steps` steps, then `schedule(step)` (thinc's `constant_then`; the step is passed as is).
 *
 * @example
 * const lr = constantThen({ rate: 1e-5, steps: 100, schedule: decaying({ baseRate: 1e-3, decay: 1e-4 }) });
 */
export function constantThen<T = number>(options: ConstantThenOptions<T>): Schedule<T> {
  const { rate, steps, schedule } = readOptions<ConstantThenOptions<T>>(CONSTANT_THEN, options);
  return makeSchedule('constant_then', { rate, steps, schedule }, (step, extra) => (step < steps ? rate : schedule(step, extra)));
}

/** Options of {@link decaying}. */
export interface DecayingOptions {
  baseRate: number;
  decay: number;
  /** Step offset (default 0). */
  t?: number;
}

/**
 * Inverse-time decay (thinc's `decaying`): baseRate · 1 / (1 + decay · (step + t)).
 *
 * @example
 * const lr = decaying({ baseRate: 0.001, decay: 1e-4 });
 */
export function decaying(options: DecayingOptions): Schedule {
  const { baseRate, decay, t = 0.0 } = readOptions<DecayingOptions>(DECAYING, options);
  return makeSchedule('decaying', { baseRate, decay, t }, (step) => baseRate * (1.0 / (1.0 + decay * (step + t))));
}

/** Options of {@link compounding}. */
export interface CompoundingOptions {
  start: number;
  stop: number;
  compound: number;
  /** Step offset (default 0). */
  t?: number;
}

function clip(value: number, start: number, stop: number): number {
  return start > stop ? Math.max(value, stop) : Math.min(value, stop);
}

/**
 * Geometric growth (or decay) clipped at `stop` (thinc's `compounding`): clip(start · compound^(step + t)).
 * Often used for batch sizes.
 *
 * @example
 * const size = compounding({ start: 1, stop: 32, compound: 1.001 });
 */
export function compounding(options: CompoundingOptions): Schedule {
  const { start, stop, compound, t = 0.0 } = readOptions<CompoundingOptions>(COMPOUNDING, options);
  return makeSchedule('compounding', { start, stop, compound, t }, (step) => clip(start * compound ** (step + t), start, stop));
}

/** Options of {@link warmupLinear}. */
export interface WarmupLinearOptions {
  initialRate: number;
  warmupSteps: number;
  totalSteps: number;
}

/**
 * Linear warmup from 0 to `initialRate` over `warmupSteps`, then a linear decline to 0 at `totalSteps`
 * (thinc's `warmup_linear`): factor = step / max(1, warmup) during warmup, else
 * max(0, (total − step) / max(1, total − warmup)).
 *
 * @example
 * const lr = warmupLinear({ initialRate: 1e-3, warmupSteps: 250, totalSteps: 20000 });
 */
export function warmupLinear(options: WarmupLinearOptions): Schedule {
  const { initialRate, warmupSteps, totalSteps } = readOptions<WarmupLinearOptions>(WARMUP_LINEAR, options);
  return makeSchedule('warmup_linear', { initialRate, warmupSteps, totalSteps }, (step) => {
    const factor =
      step < warmupSteps ? step / Math.max(1, warmupSteps) : Math.max(0.0, (totalSteps - step) / Math.max(1.0, totalSteps - warmupSteps));
    return factor * initialRate;
  });
}

/** Options of {@link slantedTriangular}. */
export interface SlantedTriangularOptions {
  maxRate: number;
  numSteps: number;
  /** Fraction of the steps spent increasing (default 0.1). */
  cutFrac?: number;
  /** Ratio of the highest to the lowest rate (default 32). */
  ratio?: number;
  /** Step offset (default 0). */
  t?: number;
}

/**
 * Howard & Ruder's slanted triangular learning rate (ULMFiT, https://arxiv.org/abs/1801.06146; thinc's
 * `slanted_triangular`): with cut = ⌊numSteps · cutFrac⌋ and s = step + t + 1,
 * p = s / cut (s < cut) or 1 − (s − cut) / (cut · (1/cutFrac − 1)); rate = maxRate · (1 + p(ratio − 1)) / ratio.
 *
 * @example
 * const lr = slantedTriangular({ maxRate: 0.01, numSteps: 1000 });
 */
export function slantedTriangular(options: SlantedTriangularOptions): Schedule {
  const { maxRate, numSteps, cutFrac = 0.1, ratio = 32, t = 0.0 } = readOptions<SlantedTriangularOptions>(SLANTED_TRIANGULAR, options);
  const cut = Math.trunc(numSteps * cutFrac);
  return makeSchedule('slanted_triangular', { maxRate, cut, cutFrac, ratio, t }, (step) => {
    const ts = step + t + 1.0;
    const p = ts < cut ? ts / cut : 1 - (ts - cut) / (cut * (1 / cutFrac - 1));
    return maxRate * (1 + p * (ratio - 1)) * (1 / ratio);
  });
}

/** Options of {@link cyclicTriangular}. */
export interface CyclicTriangularOptions {
  minLr: number;
  maxLr: number;
  /** Half of the cycle length, in steps. */
  period: number;
}

/**
 * A triangular cycle between `minLr` and `maxLr` (thinc's `cyclic_triangular`): with it = step + 1,
 * cycle = ⌊1 + it / (2·period)⌋, x = |it/period − 2·cycle + 1|, rate = minLr + (maxLr − minLr) · max(0, 1 − x).
 *
 * @example
 * const lr = cyclicTriangular({ minLr: 1e-4, maxLr: 1e-2, period: 500 });
 */
export function cyclicTriangular(options: CyclicTriangularOptions): Schedule {
  const { minLr, maxLr, period } = readOptions<CyclicTriangularOptions>(CYCLIC_TRIANGULAR, options);
  return makeSchedule('cyclic_triangular', { minLr, maxLr, period }, (step) => {
    const it = step + 1;
    const cycle = Math.floor(1 + it / (2 * period));
    const x = Math.abs(it / period - 2 * cycle + 1);
    return minLr + (maxLr - minLr) * Math.max(0, 1 - x);
  });
}

/** Options of {@link plateau}. */
export interface PlateauOptions {
  /** Evaluations without improvement after which the optimisation has plateaued. */
  maxPatience: number;
  /** The inner schedule is scaled by scale^(number of plateaus). */
  scale: number;
  schedule: ScheduleLike;
}

/** The plateau state: best score, step of the last score seen, patience, plateaus so far. */
export interface PlateauState {
  bestScore: number | null;
  lastScoreStep: number | null;
  patience: number;
  nPlateaus: number;
}

/**
 * The wrapped schedule, scaled by `scale` for every time the evaluation score has plateaued (thinc's `plateau`).
 * The last evaluation is `[step, score]` (higher is better): pass it on every call (`lr(step, { lastScore })`)
 * or set `lr.lastScore = [step, score]` after each evaluation, which is what an optimizer option needs (the
 * optimizer calls `lr(step)`). A score from a new step that does not beat the best adds one to the patience;
 * at `maxPatience` the number of plateaus grows by one and the patience restarts. The state lives in
 * `attrs.state`.
 *
 * @throws ValueError `Expected score with step >= …, was: …` when a score from an earlier step arrives.
 * @example
 * const lr = plateau({ maxPatience: 2, scale: 0.5, schedule: constant(0.001) });
 * const opt = new Adam(params, { lr });
 * // after evaluating at step s: lr.lastScore = [s, accuracy];
 */
export function plateau(options: PlateauOptions): Schedule {
  const { maxPatience, scale, schedule } = readOptions<PlateauOptions>(PLATEAU, options);
  const state: PlateauState = { bestScore: null, lastScoreStep: null, patience: 0, nPlateaus: 0 };
  return makeSchedule('plateau', { maxPatience, scale, schedule, state }, (step, extra: ScheduleExtra) => {
    const last = extra.lastScore ?? null;
    if (last !== null) {
      const [scoreStep, score] = last;
      if (state.bestScore === null || state.lastScoreStep === null || score > state.bestScore) {
        state.bestScore = score;
        state.patience = 0;
      } else if (scoreStep < state.lastScoreStep) {
        throw new ValueError(`Expected score with step >= ${state.lastScoreStep}, was: ${scoreStep}`);
      } else if (scoreStep > state.lastScoreStep) {
        state.patience += 1;
        if (state.patience === maxPatience) {
          state.nPlateaus += 1;
          state.patience = 0;
        }
      }
      state.lastScoreStep = scoreStep;
    }
    return scale ** state.nPlateaus * schedule(step, extra);
  });
}
