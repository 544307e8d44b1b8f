/**
 * optax's schedules (`optax/schedules/_schedule.py`, `_join.py`) as functions of the step, in float64.
 */
import { TypeError_, ValueError } from '@tsoptim/core';
import { type OptionContext, bool, declareOptions, nullable, num, readOptions, typeError } from './internal/options.js';
import { type Schedule, type ScheduleLike, makeSchedule } from './schedule.js';

const n = num();
const COSINE_DECAY = declareOptions('cosineDecay', [
  { name: 'initValue', required: true, check: n },
  {
    name: 'decaySteps',
    required: true,
    check: num({
      min: 0,
      minExclusive: true,
      message: (v) => `The cosine_decay_schedule requires positive decay_steps, got decay_steps=${v}.`,
    }),
  },
  { name: 'alpha', default: 0.0, check: n },
  { name: 'exponent', default: 1.0, check: n },
]);
const WARMUP_COSINE_DECAY = declareOptions('warmupCosineDecay', [
  { name: 'initValue', required: true, check: n },
  { name: 'peakValue', required: true, check: n },
  { name: 'warmupSteps', required: true, check: num({ min: 0 }) },
  { name: 'decaySteps', required: true, check: num({ min: 0 }) },
  { name: 'endValue', default: 0.0, check: n },
  { name: 'exponent', default: 1.0, check: n },
]);
function scales(v: unknown, ctx: OptionContext): void {
  const entries = v instanceof Map ? [...v] : typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.entries(v) : null;
  if (entries === null) typeError(ctx, 'an object of boundary → scale', v);
  for (const [k, s] of entries) {
    if (!Number.isFinite(Number(k)) || String(k).trim() === '' || typeof s !== 'number' || Number.isNaN(s)) {
      typeError(ctx, 'an object of boundary → scale with numeric boundaries and scales', v);
    }
  }
}
const PIECEWISE_CONSTANT = declareOptions('piecewiseConstant', [
  { name: 'initValue', required: true, check: n },
  { name: 'boundariesAndScales', check: scales },
]);
const EXPONENTIAL_DECAY = declareOptions('exponentialDecay', [
  { name: 'initValue', required: true, check: n },
  { name: 'transitionSteps', required: true, check: n },
  { name: 'decayRate', required: true, check: n },
  { name: 'transitionBegin', default: 0, check: n },
  { name: 'staircase', default: false, check: bool },
  { name: 'endValue', default: null, check: nullable(n) },
]);

/** Options of {@link cosineDecay}. */
export interface CosineDecayOptions {
  initValue: number;
  /** Positive: the steps over which to decay. */
  decaySteps: number;
  /** The minimum multiplier (default 0). */
  alpha?: number;
  /** Power of the cosine factor (default 1). */
  exponent?: number;
}

/**
 * Cosine decay (optax's `cosine_decay_schedule`; Loshchilov & Hutter, https://arxiv.org/abs/1608.03983):
 *
 *   value = init · ((1 − α) · (½(1 + cos(π · min(t, T) / T)))^p + α)
 *
 * @throws ValueError `The cosine_decay_schedule requires positive decay_steps, got decay_steps=…`.
 * @example
 * const lr = cosineDecay({ initValue: 0.1, decaySteps: 1000, alpha: 0.01 });
 */
export function cosineDecay(options: CosineDecayOptions): Schedule {
  const { initValue, decaySteps, alpha = 0.0, exponent = 1.0 } = readOptions<CosineDecayOptions>(COSINE_DECAY, options);
  if (!(decaySteps > 0)) throw new ValueError(`The cosine_decay_schedule requires positive decay_steps, got decay_steps=${decaySteps}.`);
  return makeSchedule('cosine_decay', { initValue, decaySteps, alpha, exponent }, (step) => {
    const count = Math.min(step, decaySteps);
    const cos = 0.5 * (1 + Math.cos((Math.PI * count) / decaySteps));
    return initValue * ((1 - alpha) * cos ** exponent + alpha);
  });
}

/** optax's `polynomial_schedule` (used by the warmups). */
function polynomial(init: number, end: number, power: number, steps: number, begin = 0): Schedule {
  if (steps <= 0) return makeSchedule('polynomial', { init, end, power, steps, begin }, () => init);
  const b = Math.max(begin, 0);
  return makeSchedule('polynomial', { init, end, power, steps, begin: b }, (step) => {
    const count = Math.min(Math.max(step - b, 0), steps);
    const frac = 1 - count / steps;
    return (init - end) * frac ** power + end;
  });
}

/** Options of {@link warmupCosineDecay}. */
export interface WarmupCosineDecayOptions {
  initValue: number;
  peakValue: number;
  /** Steps of the linear warmup from initValue to peakValue. */
  warmupSteps: number;
  /** The total length, warmup included: the cosine runs for decaySteps − warmupSteps. */
  decaySteps: number;
  /** Final value (default 0). */
  endValue?: number;
  /** Power of the cosine factor (default 1). */
  exponent?: number;
}

/**
 * Linear warmup then cosine decay (optax's `warmup_cosine_decay_schedule`): the join, at `warmupSteps`, of a
 * linear ramp initValue → peakValue and a cosine decay from peakValue to endValue over decaySteps − warmupSteps.
 *
 * @throws ValueError when decaySteps ≤ warmupSteps (from the cosine decay).
 * @example
 * const lr = warmupCosineDecay({ initValue: 0, peakValue: 3e-4, warmupSteps: 500, decaySteps: 10000 });
 */
export function warmupCosineDecay(options: WarmupCosineDecayOptions): Schedule {
  const {
    initValue,
    peakValue,
    warmupSteps,
    decaySteps,
    endValue = 0.0,
    exponent = 1.0,
  } = readOptions<WarmupCosineDecayOptions>(WARMUP_COSINE_DECAY, options);
  const alpha = peakValue === 0.0 ? 0.0 : endValue / peakValue;
  const joined = joinSchedules(
    [
      polynomial(initValue, peakValue, 1, warmupSteps),
      cosineDecay({ initValue: peakValue, decaySteps: decaySteps - warmupSteps, alpha, exponent }),
    ],
    [warmupSteps],
  );
  return makeSchedule('warmup_cosine_decay', { initValue, peakValue, warmupSteps, decaySteps, endValue, exponent }, (step) => joined(step));
}

/** Options of {@link piecewiseConstant}. */
export interface PiecewiseConstantOptions {
  initValue: number;
  /** `{ step: scale }`: from each step on, the value is multiplied by its scale (non-negative). */
  boundariesAndScales?: Readonly<Record<number, number>> | ReadonlyMap<number, number>;
}

/**
 * Piecewise constant (optax's `piecewise_constant_schedule`): initValue times the product of the scales of all
 * boundaries ≤ step.
 *
 * @throws ValueError `` `piecewise_constant_schedule` expects non-negative scale factors ``.
 * @example
 * const lr = piecewiseConstant({ initValue: 0.1, boundariesAndScales: { 100: 0.1, 200: 0.1 } });
 */
export function piecewiseConstant(options: PiecewiseConstantOptions): Schedule {
  const { initValue, boundariesAndScales } = readOptions<PiecewiseConstantOptions>(PIECEWISE_CONSTANT, options);
  const entries: [number, number][] =
    boundariesAndScales === undefined
      ? []
      : boundariesAndScales instanceof Map
        ? [...boundariesAndScales]
        : Object.entries(boundariesAndScales).map(([k, v]) => [Number(k), v as number]);
  if (!entries.every(([, s]) => s >= 0.0)) throw new ValueError('`piecewise_constant_schedule` expects non-negative scale factors');
  entries.sort((a, b) => a[0] - b[0]);
  return makeSchedule('piecewise_constant', { initValue, boundariesAndScales: Object.fromEntries(entries) }, (step) => {
    let v = initValue;
    for (const [threshold, s] of entries) if (step >= threshold) v = s * v;
    return v;
  });
}

/** Options of {@link exponentialDecay}. */
export interface ExponentialDecayOptions {
  initValue: number;
  /** Steps per factor of `decayRate` (≤ 0 gives a constant schedule). */
  transitionSteps: number;
  /** The decay rate (0 gives a constant schedule). */
  decayRate: number;
  /** Steps before the decay starts (default 0). */
  transitionBegin?: number;
  /** Decay in whole steps of transitionSteps (default false). */
  staircase?: boolean;
  /** Lower bound (decayRate < 1) or upper bound (decayRate > 1). */
  endValue?: number | null;
}

/**
 * Exponential decay (optax's `exponential_decay`): init · rate^((t − begin)/transitionSteps) for t > begin,
 * the exponent floored when `staircase`, clipped at `endValue`.
 *
 * @example
 * const lr = exponentialDecay({ initValue: 0.1, transitionSteps: 1000, decayRate: 0.5 });
 */
export function exponentialDecay(options: ExponentialDecayOptions): Schedule {
  const o = readOptions<ExponentialDecayOptions>(EXPONENTIAL_DECAY, options);
  const { initValue, transitionSteps, decayRate, staircase = false, endValue = null } = o;
  let begin = o.transitionBegin ?? 0;
  const attrs = { initValue, transitionSteps, decayRate, transitionBegin: begin, staircase, endValue };
  if (transitionSteps <= 0 || decayRate === 0) return makeSchedule('exponential_decay', attrs, () => initValue);
  if (begin < 0) begin = 0;
  return makeSchedule('exponential_decay', attrs, (step) => {
    const decreased = step - begin;
    let p = decreased / transitionSteps;
    if (staircase) p = Math.floor(p);
    let v = decreased <= 0 ? initValue : initValue * decayRate ** p;
    if (endValue !== null) v = decayRate < 1.0 ? Math.max(v, endValue) : Math.min(v, endValue);
    return v;
  });
}

/**
 * Runs schedules one after another (optax's `join_schedules`): from `boundaries[i]` on, `schedules[i + 1]` runs
 * with the step counted from that boundary.
 *
 * @throws ValueError unless there is one boundary fewer than schedules.
 * @example
 * const lr = joinSchedules([constant(1e-4), cosineDecay({ initValue: 1e-3, decaySteps: 900 })], [100]);
 */
export function joinSchedules(schedules: readonly ScheduleLike[], boundaries: readonly number[]): Schedule {
  if (!Array.isArray(schedules) || !schedules.every((s) => typeof s === 'function')) {
    throw new TypeError_('join_schedules: schedules must be a list of schedules (functions of the step)');
  }
  if (!Array.isArray(boundaries) || !boundaries.every((b) => typeof b === 'number' && Number.isFinite(b))) {
    throw new TypeError_('join_schedules: boundaries must be a list of numbers');
  }
  if (schedules.length < 1 || boundaries.length !== schedules.length - 1) {
    throw new ValueError(
      `join_schedules expects one boundary fewer than schedules, got ${schedules.length} schedules and ${boundaries.length} boundaries`,
    );
  }
  return makeSchedule('join_schedules', { schedules: [...schedules], boundaries: [...boundaries] }, (step, extra) => {
    // As optax: each boundary the step has reached hands over to its schedule, later boundaries winning.
    let k = -1;
    boundaries.forEach((b, i) => {
      if (step >= b) k = i;
    });
    return k < 0 ? schedules[0]!(step, extra) : schedules[k + 1]!(step - boundaries[k]!, extra);
  });
}
