import { Parameter, ValueError, zeros } from '@tsoptim/core';
import { Adam, type Optimizer, SGD } from '@tsoptim/optim';
import { ChainedScheduler } from './chained-scheduler.js';
import { ConstantLR } from './constant-lr.js';
import { CosineAnnealingLR } from './cosine-annealing-lr.js';
import { CosineAnnealingWarmRestarts } from './cosine-annealing-warm-restarts.js';
import { CyclicLR } from './cyclic-lr.js';
import { ExponentialLR } from './exponential-lr.js';
import { LambdaLR } from './lambda-lr.js';
import { LinearLR } from './linear-lr.js';
import type { LRScheduler } from './lr-scheduler.js';
import { MultiStepLR } from './multi-step-lr.js';
import { MultiplicativeLR } from './multiplicative-lr.js';
import { OneCycleLR } from './one-cycle-lr.js';
import { cosineDecay, exponentialDecay, joinSchedules, piecewiseConstant, warmupCosineDecay } from './optax-schedules.js';
import { PolynomialLR } from './polynomial-lr.js';
import { ReduceLROnPlateau } from './reduce-lr-on-plateau.js';
import type { Schedule } from './schedule.js';
import { SequentialLR } from './sequential-lr.js';
import { StepLR } from './step-lr.js';
import {
  compounding,
  constant,
  constantThen,
  cyclicTriangular,
  decaying,
  plateau,
  slantedTriangular,
  warmupLinear,
} from './thinc-schedules.js';

/** A scheduler or a functional schedule described as JSON (what the `tsoptim-schedule` command reads). */
export interface ScheduleConfig {
  /** A scheduler class name (`'OneCycleLR'`...); or give `schedule`. */
  scheduler?: string;
  /** A functional schedule name (`'warmupCosineDecay'`, `'slantedTriangular'`...). */
  schedule?: string;
  /**
   * The constructor's options. Sub-schedulers (`schedulers` of SequentialLR/ChainedScheduler) and wrapped
   * schedules (`schedule` of constantThen/plateau, `schedules` of joinSchedules) are nested configs.
   * `lrLambda` (LambdaLR, MultiplicativeLR) and `scaleFn` (CyclicLR) are JavaScript expressions of `epoch` and
   * `x`, e.g. `"0.95 ** epoch"`: render only configs you trust.
   */
  options?: Record<string, unknown>;
  /** Number of points to trace (default 100). */
  steps?: number;
  /** Optimizer: `'SGD'` (default) or `'Adam'`. */
  optimizer?: 'SGD' | 'Adam';
  /** The optimizer's lr (default 0.1). */
  lr?: number;
  /** SGD's momentum (default 0.9). */
  momentum?: number;
  /** Parameter groups' options (default one group). */
  groups?: Record<string, unknown>[];
  /** The metric per step, for ReduceLROnPlateau. */
  metrics?: number[];
  /** The picture's title (default: the scheduler's name). */
  title?: string;
}

/** The values a schedule takes over its steps. */
export interface ScheduleTrace {
  title: string;
  /** Step indices 0 … steps − 1. */
  steps: number[];
  /** Per group: the lr at each step (after construction, then after each `step()`). */
  lr: number[][];
  /** Per group: the momentum (or `betas[0]`) at each step, when the schedule cycles it. */
  momentum?: number[][];
}

function expression(src: unknown, arg: string, what: string): (v: number) => number {
  if (typeof src === 'function') return src as (v: number) => number;
  if (typeof src !== 'string') throw new ValueError(`${what} must be an expression string of ${arg}`);
  return new Function(arg, `return (${src});`) as (v: number) => number;
}

const SCHEDULERS: Record<string, (opt: Optimizer, o: Record<string, unknown>) => LRScheduler> = {
  LambdaLR: (opt, o) => new LambdaLR(opt, { ...o, lrLambda: lambdas(o.lrLambda) } as never),
  MultiplicativeLR: (opt, o) => new MultiplicativeLR(opt, { ...o, lrLambda: lambdas(o.lrLambda) } as never),
  StepLR: (opt, o) => new StepLR(opt, o as never),
  MultiStepLR: (opt, o) => new MultiStepLR(opt, o as never),
  ConstantLR: (opt, o) => new ConstantLR(opt, o as never),
  LinearLR: (opt, o) => new LinearLR(opt, o as never),
  ExponentialLR: (opt, o) => new ExponentialLR(opt, o as never),
  PolynomialLR: (opt, o) => new PolynomialLR(opt, o as never),
  CosineAnnealingLR: (opt, o) => new CosineAnnealingLR(opt, o as never),
  CosineAnnealingWarmRestarts: (opt, o) => new CosineAnnealingWarmRestarts(opt, o as never),
  CyclicLR: (opt, o) =>
    new CyclicLR(opt, { ...o, scaleFn: o.scaleFn === undefined || o.scaleFn === null ? null : expression(o.scaleFn, 'x', 'scaleFn') } as never),
  OneCycleLR: (opt, o) => new OneCycleLR(opt, o as never),
  ReduceLROnPlateau: (opt, o) => new ReduceLROnPlateau(opt, o as never),
  SequentialLR: (opt, o) => new SequentialLR(opt, { ...o, schedulers: subs(opt, o.schedulers) } as never),
  ChainedScheduler: (opt, o) => new ChainedScheduler(subs(opt, o.schedulers), { optimizer: opt }),
};

function lambdas(v: unknown): unknown {
  return Array.isArray(v) ? v.map((x) => expression(x, 'epoch', 'lrLambda')) : expression(v, 'epoch', 'lrLambda');
}

function subs(opt: Optimizer, v: unknown): LRScheduler[] {
  if (!Array.isArray(v)) throw new ValueError('schedulers must be a list of { scheduler, options } configs');
  return v.map((c: ScheduleConfig) => createScheduler(opt, c));
}

/** The names {@link createScheduler} knows. */
export const SCHEDULER_NAMES: readonly string[] = Object.keys(SCHEDULERS);

/**
 * Builds a scheduler on `optimizer` from a `{ scheduler, options }` config (nested configs for SequentialLR and
 * ChainedScheduler).
 *
 * @throws ValueError on an unknown name, and whatever the scheduler's constructor throws.
 * @example
 * const sched = createScheduler(opt, { scheduler: 'StepLR', options: { stepSize: 10, gamma: 0.5 } });
 */
export function createScheduler(optimizer: Optimizer, config: Pick<ScheduleConfig, 'scheduler' | 'options'>): LRScheduler {
  const make = config.scheduler === undefined ? undefined : SCHEDULERS[config.scheduler];
  if (make === undefined) throw new ValueError(`unknown scheduler ${String(config.scheduler)}; known: ${SCHEDULER_NAMES.join(', ')}`);
  return make(optimizer, { ...(config.options ?? {}) });
}

const SCHEDULES: Record<string, (o: Record<string, unknown>) => Schedule> = {
  constant: (o) => constant(o.rate as number),
  constantThen: (o) => constantThen({ ...o, schedule: createSchedule(o.schedule as ScheduleConfig) } as never),
  decaying: (o) => decaying(o as never),
  compounding: (o) => compounding(o as never),
  warmupLinear: (o) => warmupLinear(o as never),
  slantedTriangular: (o) => slantedTriangular(o as never),
  cyclicTriangular: (o) => cyclicTriangular(o as never),
  plateau: (o) => plateau({ ...o, schedule: createSchedule(o.schedule as ScheduleConfig) } as never),
  cosineDecay: (o) => cosineDecay(o as never),
  warmupCosineDecay: (o) => warmupCosineDecay(o as never),
  piecewiseConstant: (o) => piecewiseConstant(o as never),
  exponentialDecay: (o) => exponentialDecay(o as never),
  joinSchedules: (o) =>
    joinSchedules(
      ((o.schedules ?? []) as ScheduleConfig[]).map((c) => createSchedule(c)),
      (o.boundaries ?? []) as number[],
    ),
};

/** The names {@link createSchedule} knows. */
export const SCHEDULE_NAMES: readonly string[] = Object.keys(SCHEDULES);

/**
 * Builds a functional schedule from a `{ schedule, options }` config (nested configs for wrapped schedules).
 *
 * @throws ValueError on an unknown name.
 * @example
 * const lr = createSchedule({ schedule: 'warmupLinear', options: { initialRate: 1e-3, warmupSteps: 100, totalSteps: 1000 } });
 */
export function createSchedule(config: Pick<ScheduleConfig, 'schedule' | 'options'>): Schedule {
  const make = config?.schedule === undefined ? undefined : SCHEDULES[config.schedule];
  if (make === undefined) throw new ValueError(`unknown schedule ${String(config?.schedule)}; known: ${SCHEDULE_NAMES.join(', ')}`);
  return make({ ...(config.options ?? {}) });
}

function cyclesMomentum(config: ScheduleConfig): boolean {
  return (config.scheduler === 'CyclicLR' || config.scheduler === 'OneCycleLR') && config.options?.cycleMomentum !== false;
}

/**
 * Runs a config and records the values: for a scheduler, every group's lr (and momentum or `betas[0]` when the
 * scheduler cycles it) after construction and after each of `steps − 1` steps (each after an optimizer step);
 * for a functional schedule, its value at steps 0 … steps − 1.
 *
 * @throws ValueError on a malformed config (and what the scheduler throws).
 * @example
 * const trace = traceSchedule({ scheduler: 'OneCycleLR', options: { maxLr: 0.1, totalSteps: 100 }, steps: 100 });
 */
export function traceSchedule(config: ScheduleConfig): ScheduleTrace {
  if (typeof config !== 'object' || config === null) throw new ValueError('a schedule config must be an object');
  const n = config.steps ?? 100;
  if (!Number.isInteger(n) || n < 1) throw new ValueError(`steps must be a positive integer, got ${n}`);
  const steps = Array.from({ length: n }, (_, i) => i);
  if (config.schedule !== undefined) {
    const s = createSchedule(config);
    return { title: config.title ?? config.schedule, steps, lr: [steps.map((t) => s(t))] };
  }
  const groups = (config.groups ?? [{}]).map((g) => ({ ...g, params: [new Parameter(zeros([1]))] }));
  const kind = config.optimizer ?? 'SGD';
  const lr = config.lr ?? 0.1;
  const opt: Optimizer =
    kind === 'Adam' ? new Adam(groups, { lr }) : kind === 'SGD' ? new SGD(groups, { lr, momentum: config.momentum ?? 0.9 }) : badOptimizer(kind);
  const sched = createScheduler(opt, config);
  const useBetas = kind === 'Adam';
  const withMomentum = cyclesMomentum(config);
  const lrs: number[][] = opt.paramGroups.map(() => []);
  const moms: number[][] = opt.paramGroups.map(() => []);
  const record = () =>
    opt.paramGroups.forEach((g, i) => {
      lrs[i]!.push(g.lr as number);
      if (withMomentum) moms[i]!.push(useBetas ? (g.betas as number[])[0]! : (g.momentum as number));
    });
  record();
  for (let t = 1; t < n; t++) {
    opt.step();
    if (sched instanceof ReduceLROnPlateau) {
      const m = config.metrics?.[t - 1];
      if (m === undefined) throw new ValueError(`ReduceLROnPlateau needs a metric for every step: metrics has ${config.metrics?.length ?? 0}, steps ${n}`);
      sched.step(m);
    } else {
      sched.step();
    }
    record();
  }
  const trace: ScheduleTrace = { title: config.title ?? String(config.scheduler), steps, lr: lrs };
  if (withMomentum) trace.momentum = moms;
  return trace;
}

function badOptimizer(kind: string): never {
  throw new ValueError(`optimizer must be 'SGD' or 'Adam', got ${kind}`);
}
