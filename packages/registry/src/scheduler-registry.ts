import { TsoptimError, TypeError_, ValueError } from '@tsoptim/core';
import {
  ChainedScheduler,
  ConstantLR,
  CosineAnnealingLR,
  CosineAnnealingWarmRestarts,
  CyclicLR,
  ExponentialLR,
  type LRScheduler,
  LambdaLR,
  LinearLR,
  MultiStepLR,
  MultiplicativeLR,
  OneCycleLR,
  PolynomialLR,
  ReduceLROnPlateau,
  SequentialLR,
  StepLR,
} from '@tsoptim/lr-scheduler';
import type { Optimizer } from '@tsoptim/optim';
import { camelCase, didYouMean, isPlainObject, kindOf, snakeCase } from './internal/names.js';
import { Registry } from './registry.js';

/** How the registry builds one learning-rate scheduler. */
export interface SchedulerSpec {
  /** Builds the scheduler on `optimizer` from checked camelCase options (nested configs already resolved where noted). */
  create(optimizer: Optimizer, options: Record<string, unknown>, registry: Registry<SchedulerSpec>): LRScheduler;
  /** The options the scheduler accepts (camelCase); any other key in a config is an error. */
  readonly options: readonly string[];
  /** Options a config must give. */
  readonly required?: readonly string[];
}

/** A scheduler config: the registered name and the scheduler's options (snake_case, as torch, or camelCase). */
export interface SchedulerConfig {
  readonly type: string;
  readonly [option: string]: unknown;
}

const BASE = ['lastEpoch', 'groups'];

function functions(v: unknown, key: string): unknown {
  const ok = typeof v === 'function' || (Array.isArray(v) && v.every((f) => typeof f === 'function'));
  if (!ok)
    throw new TypeError_(
      `option "${key}" must be a function of the epoch (or a list of one per group), got ${kindOf(v)}; configs never evaluate code`,
    );
  return v;
}

function nested(optimizer: Optimizer, v: unknown, registry: Registry<SchedulerSpec>): LRScheduler[] {
  if (!Array.isArray(v)) throw new TypeError_(`option "schedulers" must be a list of scheduler configs, got ${kindOf(v)}`);
  return v.map((c) => schedulerFromConfig(optimizer, c as SchedulerConfig, { registry }));
}

function s(make: SchedulerSpec['create'], options: readonly string[], required?: readonly string[]): SchedulerSpec {
  return required === undefined ? { create: make, options } : { create: make, options, required };
}

/**
 * A registry holding every torch scheduler under its class name in snake_case (`StepLR` → `step_lr`,
 * `ReduceLROnPlateau` → `reduce_lr_on_plateau`, `CosineAnnealingWarmRestarts` → `cosine_annealing_warm_restarts`),
 * plus AllenNLP's names for the four schedulers AllenNLP takes from torch unchanged: `step`, `multi_step`,
 * `exponential`, `reduce_on_plateau`. AllenNLP's own schedulers (`cosine` with its `t_mul`/`eta_mul`, `noam`,
 * `slanted_triangular`, `linear_with_warmup`...) are other algorithms and are not aliased to torch's.
 *
 * `lambda_lr` / `multiplicative_lr` (`lr_lambda`) and `cyclic_lr` (`scale_fn`) take functions: give them in a
 * config object built in code; a string in a JSON config is rejected, never evaluated. `sequential_lr` and
 * `chained_scheduler` take nested configs in `schedulers`.
 *
 * @example
 * const r = createSchedulerRegistry();
 * r.register('halve_every_10', { create: (opt) => new StepLR(opt, { stepSize: 10, gamma: 0.5 }), options: [] });
 */
export function createSchedulerRegistry(): Registry<SchedulerSpec> {
  const step = s((o, x) => new StepLR(o, x as never), [...BASE, 'stepSize', 'gamma'], ['stepSize']);
  const multiStep = s((o, x) => new MultiStepLR(o, x as never), [...BASE, 'milestones', 'gamma'], ['milestones']);
  const exponential = s((o, x) => new ExponentialLR(o, x as never), [...BASE, 'gamma'], ['gamma']);
  const plateau = s(
    (o, x) => new ReduceLROnPlateau(o, x as never),
    ['groups', 'mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps'],
  );
  return new Registry<SchedulerSpec>('scheduler', [
    [
      'lambda_lr',
      s((o, x) => new LambdaLR(o, { ...x, lrLambda: functions(x.lrLambda, 'lr_lambda') } as never), [...BASE, 'lrLambda'], ['lrLambda']),
    ],
    [
      'multiplicative_lr',
      s(
        (o, x) => new MultiplicativeLR(o, { ...x, lrLambda: functions(x.lrLambda, 'lr_lambda') } as never),
        [...BASE, 'lrLambda'],
        ['lrLambda'],
      ),
    ],
    ['step_lr', step],
    ['step', step],
    ['multi_step_lr', multiStep],
    ['multi_step', multiStep],
    ['constant_lr', s((o, x) => new ConstantLR(o, x as never), [...BASE, 'factor', 'totalIters'])],
    ['linear_lr', s((o, x) => new LinearLR(o, x as never), [...BASE, 'startFactor', 'endFactor', 'totalIters'])],
    ['exponential_lr', exponential],
    ['exponential', exponential],
    ['polynomial_lr', s((o, x) => new PolynomialLR(o, x as never), [...BASE, 'totalIters', 'power'])],
    ['cosine_annealing_lr', s((o, x) => new CosineAnnealingLR(o, x as never), [...BASE, 'tMax', 'etaMin'], ['tMax'])],
    [
      'cosine_annealing_warm_restarts',
      s((o, x) => new CosineAnnealingWarmRestarts(o, x as never), [...BASE, 't0', 'tMult', 'etaMin'], ['t0']),
    ],
    [
      'cyclic_lr',
      s(
        (o, x) =>
          new CyclicLR(o, {
            ...x,
            scaleFn: x.scaleFn === undefined || x.scaleFn === null ? null : functions(x.scaleFn, 'scale_fn'),
          } as never),
        [
          ...BASE,
          'baseLr',
          'maxLr',
          'stepSizeUp',
          'stepSizeDown',
          'mode',
          'gamma',
          'scaleFn',
          'scaleMode',
          'cycleMomentum',
          'baseMomentum',
          'maxMomentum',
        ],
        ['baseLr', 'maxLr'],
      ),
    ],
    [
      'one_cycle_lr',
      s(
        (o, x) => new OneCycleLR(o, x as never),
        [
          ...BASE,
          'maxLr',
          'totalSteps',
          'epochs',
          'stepsPerEpoch',
          'pctStart',
          'annealStrategy',
          'cycleMomentum',
          'baseMomentum',
          'maxMomentum',
          'divFactor',
          'finalDivFactor',
          'threePhase',
        ],
        ['maxLr'],
      ),
    ],
    ['reduce_lr_on_plateau', plateau],
    ['reduce_on_plateau', plateau],
    [
      'sequential_lr',
      s(
        (o, x, r) => new SequentialLR(o, { ...x, schedulers: nested(o, x.schedulers, r) } as never),
        ['lastEpoch', 'schedulers', 'milestones'],
        ['schedulers', 'milestones'],
      ),
    ],
    [
      'chained_scheduler',
      s((o, x, r) => new ChainedScheduler(nested(o, x.schedulers, r), { optimizer: o }), ['schedulers'], ['schedulers']),
    ],
  ]);
}

/** The shared scheduler registry (see {@link createSchedulerRegistry} for its names). */
export const schedulerRegistry: Registry<SchedulerSpec> = /*#__PURE__*/ createSchedulerRegistry();

/** Options of {@link schedulerFromConfig}. */
export interface SchedulerFromConfigOptions {
  /** Where names are looked up (default: the shared {@link schedulerRegistry}). */
  readonly registry?: Registry<SchedulerSpec>;
}

/**
 * Builds a learning-rate scheduler on `optimizer` from a config such as
 * `{ "type": "step_lr", "step_size": 10, "gamma": 0.5 }` (AllenNLP's `LearningRateScheduler.from_params`, with
 * torch's names). Keys may be snake_case (`step_size`, `T_max`) or camelCase.
 *
 * @param optimizer - the optimizer whose groups' `lr` the scheduler drives.
 * @param config - `type` and the scheduler's options.
 * @param options - another registry.
 * @throws ValueError `unknown scheduler "stepp"; known: …`, `invalid option "step" for scheduler "step_lr"; valid options: …`,
 * `missing option "step_size" for scheduler "step_lr"`, and the scheduler's own checks prefixed with its name.
 * @throws TypeError_ for a config that is not an object or a `type` that is not a string.
 * @example
 * const sched = schedulerFromConfig(opt, { type: 'cosine_annealing_lr', T_max: 100, eta_min: 1e-5 });
 */
export function schedulerFromConfig(optimizer: Optimizer, config: SchedulerConfig, options: SchedulerFromConfigOptions = {}): LRScheduler {
  if (!isPlainObject(config)) throw new TypeError_(`a scheduler config must be an object, got ${kindOf(config)}`);
  const { type, ...rest } = config as Record<string, unknown>;
  if (typeof type !== 'string') throw new TypeError_(`the scheduler "type" must be a string, got ${kindOf(type)}`);
  const registry = options.registry ?? schedulerRegistry;
  const spec = registry.get(type);
  const what = `scheduler ${JSON.stringify(type)}`;
  const converted: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rest)) {
    const name = camelCase(key);
    if (!spec.options.includes(name)) {
      const hint = didYouMean(key, spec.options.map(snakeCase));
      throw new ValueError(`invalid option ${JSON.stringify(key)} for ${what}; valid options: ${spec.options.join(', ')}${hint}`);
    }
    converted[name] = value;
  }
  for (const key of spec.required ?? []) {
    if (!Object.hasOwn(converted, key)) throw new ValueError(`missing option ${JSON.stringify(snakeCase(key))} for ${what}`);
  }
  try {
    return spec.create(optimizer, converted, registry);
  } catch (e) {
    if (!TsoptimError.isInstance(e) || e.message.startsWith('unknown scheduler') || e.message.startsWith(what)) throw e;
    const Ctor = e.constructor as new (message: string, options?: { cause?: unknown }) => Error;
    throw new Ctor(`${what}: ${e.message}`, { cause: e });
  }
}
