/**
 * Test support: builds the optimizer and scheduler a torch fixture describes and runs it. Used by the tests only.
 */
import { Parameter, zeros } from '@tsoptim/core';
import { Adam, type Optimizer, SGD } from '@tsoptim/optim';
import { loadFixture } from '@tsoptim/testkit';
import { ChainedScheduler } from '../chained-scheduler.js';
import { createScheduler } from '../from-config.js';
import type { LRScheduler } from '../lr-scheduler.js';
import { ReduceLROnPlateau } from '../reduce-lr-on-plateau.js';
import { SequentialLR } from '../sequential-lr.js';

/** The functions the fixture generator names (tooling/fixtures/gen_schedulers.py holds the same table). */
export const LAMBDAS: Record<string, (e: number) => number> = {
  exp095: (e) => 0.95 ** e,
  inv1p: (e) => 1.0 / (1.0 + e),
  const09: () => 0.9,
  every3: (e) => (e % 3 === 0 ? 0.8 : 1.0),
  warmup5: (e) => Math.min(1.0, (e + 1) / 5.0),
};
export const SCALE_FNS: Record<string, (x: number) => number> = {
  invCycle: (x) => 1.0 / (1.0 + 0.5 * (x - 1)),
  pow097: (x) => 0.97 ** x,
};

export interface SchedulerCase {
  name: string;
  source: string;
  scheduler: string;
  optimizer: { type: 'SGD' | 'Adam'; defaults?: Record<string, unknown>; groups: Record<string, unknown>[] };
  options: Record<string, any>;
  steps: number;
  lr: number[][];
  momentum?: number[][];
  momentum_key?: 'momentum' | 'betas';
  closed?: number[][];
  metrics?: number[];
  epochs?: number[];
  torch_1_13_error?: string;
  state_dict_keys: string[];
}

export const FIXTURE_FILES = [
  'lambda_lr',
  'multiplicative_lr',
  'step_lr',
  'multi_step_lr',
  'constant_lr',
  'linear_lr',
  'exponential_lr',
  'polynomial_lr',
  'cosine_annealing_lr',
  'chained_scheduler',
  'sequential_lr',
  'reduce_lr_on_plateau',
  'cyclic_lr',
  'one_cycle_lr',
  'cosine_annealing_warm_restarts',
] as const;

export function loadCases(file: string): SchedulerCase[] {
  return loadFixture<{ cases: SchedulerCase[] }>('schedulers', file).cases;
}

const camel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
function camelKeys(o: Record<string, unknown> = {}): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [camel(k), v]));
}

/** The fixture's optimizer: one one-element parameter per group. */
export function buildOptimizer(spec: SchedulerCase['optimizer']): Optimizer {
  const groups = spec.groups.map((g) => ({ ...camelKeys(g), params: [new Parameter(zeros([1]))] }));
  const d = camelKeys(spec.defaults);
  return spec.type === 'Adam' ? new Adam(groups, d) : new SGD(groups, d);
}

function resolveOptions(o: Record<string, any>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...o };
  if (o.lrLambda !== undefined) out.lrLambda = Array.isArray(o.lrLambda) ? o.lrLambda.map((n: string) => LAMBDAS[n]) : LAMBDAS[o.lrLambda];
  if (o.scaleFn !== undefined) out.scaleFn = SCALE_FNS[o.scaleFn];
  return out;
}

/** The fixture's scheduler on `opt`. */
export function buildScheduler(opt: Optimizer, name: string, options: Record<string, any>): LRScheduler {
  if (name === 'SequentialLR') {
    const subs = options.schedulers.map((s: any) => buildScheduler(opt, s.scheduler, s.options));
    return new SequentialLR(opt, { schedulers: subs, milestones: options.milestones });
  }
  if (name === 'ChainedScheduler') {
    return new ChainedScheduler(options.schedulers.map((s: any) => buildScheduler(opt, s.scheduler, s.options)));
  }
  return createScheduler(opt, { scheduler: name, options: resolveOptions(options) });
}

/** Every group's lr and (where the case cycles it) momentum. */
export function snapshot(opt: Optimizer, c: SchedulerCase): { lr: number[]; momentum?: number[] } {
  const lr = opt.paramGroups.map((g) => g.lr as number);
  if (c.momentum_key === undefined) return { lr };
  return {
    lr,
    momentum: opt.paramGroups.map((g) => (c.momentum_key === 'betas' ? (g.betas as number[])[0]! : (g.momentum as number))),
  };
}

/** One step of a case: an optimizer step (constant gradient 1), then the scheduler's step for index t. */
export function stepCase(opt: Optimizer, sched: LRScheduler, c: SchedulerCase, t: number): void {
  for (const g of opt.paramGroups) for (const p of g.params) p.setGrad([1]);
  opt.step();
  if (c.metrics !== undefined) (sched as ReduceLROnPlateau).step(c.metrics[t]!);
  else if (c.epochs !== undefined) sched.step(c.epochs[t]);
  else sched.step();
}

/** The number of scheduler steps a case runs. */
export function caseLength(c: SchedulerCase): number {
  return c.metrics?.length ?? c.epochs?.length ?? c.steps;
}

/** True when `a` is within `rtol` of `b`, relative to |b|. */
export function relClose(a: number, b: number, rtol = 1e-12): boolean {
  return a === b || Math.abs(a - b) <= rtol * Math.abs(b);
}

export { ReduceLROnPlateau };
