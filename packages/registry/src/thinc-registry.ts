import { TypeError_, ValueError } from '@tsoptim/core';
import {
  type Schedule,
  compounding,
  constant,
  constantThen,
  cyclicTriangular,
  decaying,
  plateau,
  slantedTriangular,
  warmupLinear,
} from '@tsoptim/lr-scheduler';
import { camelCase, didYouMean, kindOf, show } from './internal/names.js';
import { Registry } from './registry.js';
import { type KeyedOptimizer, THINC_OPTIMIZER_DEFAULTS, keyedOptimizer } from './thinc-optimizer.js';

/** How a thinc registered function is built: its arguments (thinc's names), the required ones, and the builder. */
export interface ThincFunctionSpec<T> {
  /** Argument names as thinc spells them (`learn_rate`, `L2`, `warmup_steps`). */
  readonly args: readonly string[];
  /** Arguments without a default. */
  readonly required?: readonly string[];
  /** Builds the value from the given arguments (thinc's names, already resolved). */
  create(args: Record<string, unknown>): T;
}

/** thinc's option names → {@link ThincOptimizer}'s. */
const OPTIMIZER_ARG = new Map<string, string>([
  ['learn_rate', 'learnRate'],
  ['L2', 'l2'],
  ['beta1', 'beta1'],
  ['beta2', 'beta2'],
  ['eps', 'eps'],
  ['grad_clip', 'gradClip'],
  ['L2_is_weight_decay', 'l2IsWeightDecay'],
  ['use_averages', 'useAverages'],
]);

/**
 * Checks arguments against a function's declared ones: the same checks for `create()` called directly as for a
 * config, so `SGD.v1` given `beta1` is an error on both paths (it would otherwise build an Adam).
 */
function checkArgs(args: unknown, names: readonly string[], required: readonly string[], what: string): Record<string, unknown> {
  if (typeof args !== 'object' || args === null || Array.isArray(args))
    throw new TypeError_(`the arguments of ${what} must be an object, got ${kindOf(args)}`);
  for (const key of Object.keys(args)) {
    if (!names.includes(key))
      throw new ValueError(
        `invalid option ${JSON.stringify(key)} for ${what}; valid options: ${names.join(', ')}${didYouMean(key, names)}`,
      );
  }
  for (const key of required) {
    const v = Object.hasOwn(args, key) ? (args as Record<string, unknown>)[key] : undefined;
    if (v === undefined) throw new ValueError(`missing option ${JSON.stringify(key)} for ${what}`);
  }
  return args as Record<string, unknown>;
}

const HYPER_ARGS = new Set(['learn_rate', 'L2', 'beta1', 'beta2', 'eps', 'grad_clip']);

function checkThincArgs(name: string, args: Record<string, unknown>): void {
  for (const [key, v] of Object.entries(args)) {
    if (HYPER_ARGS.has(key)) {
      const ok =
        typeof v === 'number' ||
        typeof v === 'function' ||
        (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number')) ||
        (typeof v === 'object' && v !== null && typeof (v as Iterator<number>).next === 'function');
      if (!ok)
        throw new TypeError_(
          `invalid value ${show(v)} for option "${key}" of optimizer "${name}": expected a number or a schedule, got ${kindOf(v)}`,
        );
    } else if (typeof v !== 'boolean') {
      throw new TypeError_(`invalid value ${show(v)} for option "${key}" of optimizer "${name}": expected true or false, got ${kindOf(v)}`);
    }
  }
}

function thincOptimizer(
  name: string,
  args: readonly string[],
  fixed: Record<string, unknown>,
  defaults: Record<string, unknown>,
  required?: readonly string[],
): ThincFunctionSpec<KeyedOptimizer> {
  const spec: ThincFunctionSpec<KeyedOptimizer> = {
    args,
    create: (given) => {
      checkArgs(given, args, required ?? [], `optimizer ${JSON.stringify(name)}`);
      checkThincArgs(name, given);
      const options: Record<string, unknown> = { ...defaults, ...fixed };
      for (const [key, v] of Object.entries(given)) options[OPTIMIZER_ARG.get(key) ?? key] = v;
      return keyedOptimizer(options as never);
    },
  };
  return required === undefined ? spec : { ...spec, required };
}

const ADAM_ARGS = ['learn_rate', 'L2', 'beta1', 'beta2', 'eps', 'grad_clip', 'L2_is_weight_decay', 'use_averages'];

/**
 * thinc's registered optimizers (`@optimizers`), with thinc v8.3's signatures and defaults:
 *
 * - `"Adam.v1"`: learn_rate 0.001, L2 0, beta1 0.9, beta2 0.999, eps 1e-8, grad_clip 1.0, L2_is_weight_decay true,
 *   use_averages true;
 * - `"RAdam.v1"`: the same arguments, RAdam's update;
 * - `"SGD.v1"`: learn_rate (required), L2 0, grad_clip 1.0, L2_is_weight_decay true, use_averages true (β₁ = β₂ = 0).
 *
 * Each call returns a fresh registry; {@link thincOptimizers} is the shared one.
 */
export function createThincOptimizerRegistry(): Registry<ThincFunctionSpec<KeyedOptimizer>> {
  const adamDefaults = { ...THINC_OPTIMIZER_DEFAULTS, learnRate: 0.001 };
  return new Registry<ThincFunctionSpec<KeyedOptimizer>>('thinc optimizer', [
    ['Adam.v1', thincOptimizer('Adam.v1', ADAM_ARGS, { useRadam: false }, adamDefaults)],
    ['RAdam.v1', thincOptimizer('RAdam.v1', ADAM_ARGS, { useRadam: true }, adamDefaults)],
    [
      'SGD.v1',
      thincOptimizer(
        'SGD.v1',
        ['learn_rate', 'L2', 'grad_clip', 'L2_is_weight_decay', 'use_averages'],
        { beta1: 0, beta2: 0, useRadam: false },
        THINC_OPTIMIZER_DEFAULTS,
        ['learn_rate'],
      ),
    ],
  ]);
}

function schedule(
  name: string,
  args: readonly string[],
  make: (o: Record<string, unknown>) => Schedule,
  required: readonly string[] = args,
): ThincFunctionSpec<Schedule> {
  return {
    args,
    required,
    create: (given) => {
      checkArgs(given, args, required, `schedule ${JSON.stringify(name)}`);
      const o: Record<string, unknown> = {};
      for (const [key, v] of Object.entries(given)) o[camelCase(key)] = v;
      return make(o);
    },
  };
}

function needSchedule(v: unknown, what: string): Schedule {
  if (typeof v !== 'function') throw new TypeError_(`"schedule" of ${what} must be a schedule block, got ${kindOf(v)}`);
  return v as Schedule;
}

/**
 * thinc's registered schedules (`@schedules`), as the functions of @tsoptim/lr-scheduler (thinc v9 formulas; a
 * schedule is called with the optimizer's schedule step): `constant.v1`, `constant_then.v1`, `decaying.v1`,
 * `compounding.v1`, `warmup_linear.v1`, `slanted_triangular.v1`, `cyclic_triangular.v1`, `plateau.v1`.
 * Arguments use thinc's names (`initial_rate`, `warmup_steps`, `total_steps`...).
 */
export function createThincScheduleRegistry(): Registry<ThincFunctionSpec<Schedule>> {
  return new Registry<ThincFunctionSpec<Schedule>>('thinc schedule', [
    [
      'constant.v1',
      schedule('constant.v1', ['rate'], (o) => {
        if (typeof o.rate !== 'number')
          throw new TypeError_(
            `invalid value ${show(o.rate)} for option "rate" of schedule "constant.v1": expected a number, got ${kindOf(o.rate)}`,
          );
        return constant(o.rate);
      }),
    ],
    [
      'constant_then.v1',
      schedule('constant_then.v1', ['rate', 'steps', 'schedule'], (o) =>
        constantThen({ ...o, schedule: needSchedule(o.schedule, '"constant_then.v1"') } as never),
      ),
    ],
    ['decaying.v1', schedule('decaying.v1', ['base_rate', 'decay', 't'], (o) => decaying(o as never), ['base_rate', 'decay'])],
    [
      'compounding.v1',
      schedule('compounding.v1', ['start', 'stop', 'compound', 't'], (o) => compounding(o as never), ['start', 'stop', 'compound']),
    ],
    ['warmup_linear.v1', schedule('warmup_linear.v1', ['initial_rate', 'warmup_steps', 'total_steps'], (o) => warmupLinear(o as never))],
    [
      'slanted_triangular.v1',
      schedule('slanted_triangular.v1', ['max_rate', 'num_steps', 'cut_frac', 'ratio', 't'], (o) => slantedTriangular(o as never), [
        'max_rate',
        'num_steps',
      ]),
    ],
    ['cyclic_triangular.v1', schedule('cyclic_triangular.v1', ['min_lr', 'max_lr', 'period'], (o) => cyclicTriangular(o as never))],
    [
      'plateau.v1',
      schedule('plateau.v1', ['max_patience', 'scale', 'schedule'], (o) =>
        plateau({ ...o, schedule: needSchedule(o.schedule, '"plateau.v1"') } as never),
      ),
    ],
  ]);
}

/** The shared registry of thinc optimizers (`@optimizers`); register your own here. */
export const thincOptimizers: Registry<ThincFunctionSpec<KeyedOptimizer>> = /*#__PURE__*/ createThincOptimizerRegistry();

/** The shared registry of thinc schedules (`@schedules`); register your own here. */
export const thincSchedules: Registry<ThincFunctionSpec<Schedule>> = /*#__PURE__*/ createThincScheduleRegistry();

/**
 * Calls a registered thinc function with checked arguments.
 *
 * @throws ValueError `invalid option "lrr" for optimizer "Adam.v1" in [optimizer]; valid options: …` and
 * `missing option "learn_rate" for …`.
 */
export function callThincFunction<T>(spec: ThincFunctionSpec<T>, args: Record<string, unknown>, what: string): T {
  checkArgs(args, spec.args, spec.required ?? [], what);
  return spec.create(args);
}
