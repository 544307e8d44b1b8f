import { Parameter, TypeError_, ValueError, zeros } from '@tsoptim/core';
import { Adam, type Optimizer, SGD } from '@tsoptim/optim';
import { ChainedScheduler } from './chained-scheduler.js';
import { ConstantLR } from './constant-lr.js';
import { CosineAnnealingLR } from './cosine-annealing-lr.js';
import { CosineAnnealingWarmRestarts } from './cosine-annealing-warm-restarts.js';
import { CyclicLR } from './cyclic-lr.js';
import { compileExpression } from './expression.js';
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
   * `lrLambda` (LambdaLR, MultiplicativeLR) and `scaleFn` (CyclicLR) are expressions of `epoch` and `x` in the
   * safe expression language of {@link compileExpression}, e.g. `"0.95 ** epoch"`: they are parsed, never run
   * as code.
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
  if (typeof src !== 'string')
    throw new TypeError_(`${what} must be an expression string of ${arg}, got ${src === null ? 'null' : typeof src}`);
  const f = compileExpression(src, [arg], what);
  return (v: number) => f(v);
}

function plainOptions(o: unknown, what: string): Record<string, unknown> {
  if (o === undefined || o === null) return {};
  if (typeof o !== 'object' || Array.isArray(o))
    throw new TypeError_(`the options of ${what} must be an object, got ${Array.isArray(o) ? 'array' : typeof o}`);
  return Object.fromEntries(Object.entries(o));
}

type SchedulerMaker = (opt: Optimizer, o: Record<string, unknown>) => LRScheduler;

const SCHEDULERS = new Map<string, SchedulerMaker>([
  ['LambdaLR', (opt, o) => new LambdaLR(opt, { ...o, ...withLambdas(o) } as never)],
  ['MultiplicativeLR', (opt, o) => new MultiplicativeLR(opt, { ...o, ...withLambdas(o) } as never)],
  ['StepLR', (opt, o) => new StepLR(opt, o as never)],
  ['MultiStepLR', (opt, o) => new MultiStepLR(opt, o as never)],
  ['ConstantLR', (opt, o) => new ConstantLR(opt, o as never)],
  ['LinearLR', (opt, o) => new LinearLR(opt, o as never)],
  ['ExponentialLR', (opt, o) => new ExponentialLR(opt, o as never)],
  ['PolynomialLR', (opt, o) => new PolynomialLR(opt, o as never)],
  ['CosineAnnealingLR', (opt, o) => new CosineAnnealingLR(opt, o as never)],
  ['CosineAnnealingWarmRestarts', (opt, o) => new CosineAnnealingWarmRestarts(opt, o as never)],
  [
    'CyclicLR',
    (opt, o) =>
      new CyclicLR(opt, {
        ...o,
        ...(Object.hasOwn(o, 'scaleFn')
          ? { scaleFn: o.scaleFn === undefined || o.scaleFn === null ? null : expression(o.scaleFn, 'x', 'scaleFn') }
          : {}),
      } as never),
  ],
  ['OneCycleLR', (opt, o) => new OneCycleLR(opt, o as never)],
  ['ReduceLROnPlateau', (opt, o) => new ReduceLROnPlateau(opt, o as never)],
  [
    'SequentialLR',
    (opt, o) =>
      new SequentialLR(opt, { ...o, ...(Object.hasOwn(o, 'schedulers') ? { schedulers: subs(opt, o.schedulers) } : {}) } as never),
  ],
  [
    'ChainedScheduler',
    (opt, o) => {
      const { schedulers, ...rest } = o;
      if (Object.keys(rest).length > 0) {
        throw new TypeError_(`ChainedScheduler() got an unexpected option '${Object.keys(rest)[0]}' (options: schedulers)`);
      }
      if (schedulers === undefined) throw new TypeError_("ChainedScheduler() missing 1 required option: 'schedulers'");
      return new ChainedScheduler(subs(opt, schedulers), { optimizer: opt });
    },
  ],
]);

/** lrLambda given as an expression (or a list of them), compiled; absent stays absent (the constructor reports it). */
function withLambdas(o: Record<string, unknown>): Record<string, unknown> {
  if (!Object.hasOwn(o, 'lrLambda') || o.lrLambda === undefined) return {};
  return { lrLambda: lambdas(o.lrLambda) };
}

function lambdas(v: unknown): unknown {
  return Array.isArray(v) ? v.map((x) => expression(x, 'epoch', 'lrLambda')) : expression(v, 'epoch', 'lrLambda');
}

function subs(opt: Optimizer, v: unknown): LRScheduler[] {
  if (!Array.isArray(v)) throw new TypeError_('schedulers must be a list of { scheduler, options } configs');
  // Sub-schedulers are built one after another, each changing the groups: on a failure, put the groups back.
  const groups = opt.paramGroups as unknown as Record<string, unknown>[];
  const before = groups.map((g) => Object.fromEntries(Object.entries(g)));
  try {
    return v.map((c: ScheduleConfig, i) => createScheduler(opt, c, `schedulers[${i}]`));
  } catch (e) {
    groups.forEach((g, i) => {
      for (const k of Object.keys(g)) if (!Object.hasOwn(before[i]!, k)) delete g[k];
      Object.assign(g, before[i]);
    });
    throw e;
  }
}

function lookup<T>(table: ReadonlyMap<string, T>, name: unknown, kind: string, known: readonly string[]): T {
  const make = typeof name === 'string' ? table.get(name) : undefined;
  if (make === undefined) {
    throw new ValueError(`unknown ${kind} ${typeof name === 'string' ? JSON.stringify(name) : String(name)}; known: ${known.join(', ')}`);
  }
  return make;
}

/** The names {@link createScheduler} knows. */
export const SCHEDULER_NAMES: readonly string[] = [...SCHEDULERS.keys()];

/**
 * Builds a scheduler on `optimizer` from a `{ scheduler, options }` config (nested configs for SequentialLR and
 * ChainedScheduler).
 *
 * @throws ValueError on an unknown name, and whatever the scheduler's constructor throws.
 * @example
 * const sched = createScheduler(opt, { scheduler: 'StepLR', options: { stepSize: 10, gamma: 0.5 } });
 */
export function createScheduler(
  optimizer: Optimizer,
  config: Pick<ScheduleConfig, 'scheduler' | 'options'>,
  where = 'config',
): LRScheduler {
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    throw new TypeError_(`a scheduler ${where} must be an object`);
  checkKeys(config, ['scheduler', 'options'], `scheduler ${where}`);
  const make = lookup(SCHEDULERS, config.scheduler, 'scheduler', SCHEDULER_NAMES);
  return make(optimizer, plainOptions(config.options, String(config.scheduler)));
}

/** Rejects keys a config does not know (own keys only: `__proto__` parsed from JSON is an unknown key). */
function checkKeys(config: object, known: readonly string[], what: string): void {
  for (const k of Object.keys(config)) {
    if (!known.includes(k)) throw new ValueError(`unknown key ${JSON.stringify(k)} in a ${what}; known keys: ${known.join(', ')}`);
  }
}

function nestedSchedule(v: unknown, what: string): Schedule {
  if (v === undefined) throw new TypeError_(`${what}() missing 1 required option: 'schedule'`);
  return createSchedule(v as ScheduleConfig, `schedule of ${what}`);
}

const SCHEDULES = new Map<string, (o: Record<string, unknown>) => Schedule>([
  [
    'constant',
    (o) => {
      checkKeys(o, ['rate'], 'constant options');
      if (o.rate === undefined) throw new TypeError_("constant() missing 1 required option: 'rate'");
      if (typeof o.rate !== 'number' || !Number.isFinite(o.rate))
        throw new TypeError_(`constant: option 'rate' must be a finite number, got ${typeof o.rate}`);
      return constant(o.rate);
    },
  ],
  ['constantThen', (o) => constantThen({ ...o, schedule: nestedSchedule(o.schedule, 'constantThen') } as never)],
  ['decaying', (o) => decaying(o as never)],
  ['compounding', (o) => compounding(o as never)],
  ['warmupLinear', (o) => warmupLinear(o as never)],
  ['slantedTriangular', (o) => slantedTriangular(o as never)],
  ['cyclicTriangular', (o) => cyclicTriangular(o as never)],
  ['plateau', (o) => plateau({ ...o, schedule: nestedSchedule(o.schedule, 'plateau') } as never)],
  ['cosineDecay', (o) => cosineDecay(o as never)],
  ['warmupCosineDecay', (o) => warmupCosineDecay(o as never)],
  ['piecewiseConstant', (o) => piecewiseConstant(o as never)],
  ['exponentialDecay', (o) => exponentialDecay(o as never)],
  [
    'joinSchedules',
    (o) => {
      checkKeys(o, ['schedules', 'boundaries'], 'joinSchedules options');
      const { schedules = [], boundaries = [] } = o;
      if (!Array.isArray(schedules)) throw new TypeError_('joinSchedules: schedules must be a list of { schedule, options } configs');
      return joinSchedules(
        schedules.map((c: ScheduleConfig, i) => createSchedule(c, `schedules[${i}] of joinSchedules`)),
        boundaries as number[],
      );
    },
  ],
]);

/** The names {@link createSchedule} knows. */
export const SCHEDULE_NAMES: readonly string[] = [...SCHEDULES.keys()];

/**
 * Builds a functional schedule from a `{ schedule, options }` config (nested configs for wrapped schedules).
 *
 * @throws ValueError on an unknown name or key; TypeError_ on a config that is not an object; what the schedule
 * function throws for its options.
 * @example
 * const lr = createSchedule({ schedule: 'warmupLinear', options: { initialRate: 1e-3, warmupSteps: 100, totalSteps: 1000 } });
 */
export function createSchedule(config: Pick<ScheduleConfig, 'schedule' | 'options'>, where = 'config'): Schedule {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new TypeError_(`a schedule ${where} must be an object`);
  checkKeys(config, ['schedule', 'options'], `schedule ${where}`);
  const make = lookup(SCHEDULES, config.schedule, 'schedule', SCHEDULE_NAMES);
  return make(plainOptions(config.options, String(config.schedule)));
}

const CONFIG_KEYS = ['scheduler', 'schedule', 'options', 'steps', 'optimizer', 'lr', 'momentum', 'groups', 'metrics', 'title'];

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
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new TypeError_('a schedule config must be an object');
  checkKeys(config, CONFIG_KEYS, 'schedule config');
  const n = config.steps ?? 100;
  if (!Number.isInteger(n) || n < 1) throw new ValueError(`steps must be a positive integer, got ${n}`);
  const steps = Array.from({ length: n }, (_, i) => i);
  if (config.schedule !== undefined) {
    if (config.scheduler !== undefined) throw new ValueError('a schedule config gives "scheduler" or "schedule", not both');
    const s = createSchedule({ schedule: config.schedule, options: config.options });
    return { title: config.title ?? config.schedule, steps, lr: [steps.map((t) => s(t))] };
  }
  const groupOptions = config.groups ?? [{}];
  if (!Array.isArray(groupOptions) || !groupOptions.every((g) => typeof g === 'object' && g !== null && !Array.isArray(g))) {
    throw new TypeError_('groups must be a list of parameter group options');
  }
  if (config.metrics !== undefined && (!Array.isArray(config.metrics) || !config.metrics.every((m) => typeof m === 'number'))) {
    throw new TypeError_('metrics must be a list of numbers');
  }
  const groups = groupOptions.map((g) => ({ ...g, params: [new Parameter(zeros([1]))] }));
  const kind = config.optimizer ?? 'SGD';
  const lr = config.lr ?? 0.1;
  const opt: Optimizer =
    kind === 'Adam'
      ? new Adam(groups, { lr })
      : kind === 'SGD'
        ? new SGD(groups, { lr, momentum: config.momentum ?? 0.9 })
        : badOptimizer(kind);
  const sched = createScheduler(opt, { scheduler: config.scheduler, options: config.options });
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
      if (m === undefined)
        throw new ValueError(`ReduceLROnPlateau needs a metric for every step: metrics has ${config.metrics?.length ?? 0}, steps ${n}`);
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
