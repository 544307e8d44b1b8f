import { TsoptimError, TypeError_, ValueError } from '@tsoptim/core';
import type { NamedParameter, Optimizer } from '@tsoptim/optim';
import { convertOptions } from './internal/options.js';
import { isPlainObject, kindOf } from './internal/names.js';
import { DEFAULT_OPTIMIZER, type OptimizerSpec, optimizerRegistry } from './optimizer-registry.js';
import {
  type ParameterGroupSpec,
  type ParameterGroupsReport,
  type RegistryLogger,
  defaultLogger,
  planParameterGroups,
} from './parameter-groups.js';
import type { Registry } from './registry.js';

/**
 * An AllenNLP optimizer config, as JSON: the registered name, the optimizer's options (snake_case as in
 * AllenNLP / torch, or camelCase), and optional regex parameter groups.
 *
 * @example
 * { "type": "adamw", "lr": 0.001, "weight_decay": 0.01,
 *   "parameter_groups": [[["^encoder\\.", "bias"], { "lr": 0.0001 }], [["^embed"], { "requires_grad": false }]] }
 */
export interface OptimizerConfig {
  /** A registered name (default `"adam"`, AllenNLP's default implementation). */
  readonly type?: string;
  /** `[regexes, options]` pairs; see {@link makeParameterGroups}. */
  readonly parameter_groups?: readonly ParameterGroupSpec[] | null;
  readonly [option: string]: unknown;
}

/** Options of {@link fromConfig}. */
export interface FromConfigOptions {
  /** Where names are looked up (default: the shared {@link optimizerRegistry}). */
  readonly registry?: Registry<OptimizerSpec>;
  /** Receives AllenNLP's log lines about the parameter groups (default: {@link defaultLogger}). */
  readonly logger?: RegistryLogger;
  /** Called with the grouping report once the optimizer is built. */
  readonly onReport?: (report: ParameterGroupsReport) => void;
}

function rethrow(e: unknown, prefix: string): never {
  if (!TsoptimError.isInstance(e)) throw e;
  const Ctor = e.constructor as new (message: string, options?: { cause?: unknown }) => Error;
  throw new Ctor(`${prefix}: ${e.message}`, { cause: e });
}

/**
 * Builds an optimizer from a plain JSON config, AllenNLP's `Optimizer.from_params`: looks up `type` (default
 * `"adam"`) in the registry, checks every option key and value against the optimizer's options, splits the
 * parameters into regex groups (`parameter_groups`, with {@link makeParameterGroups}'s semantics; group options
 * are checked the same way), and constructs it. Option names may be snake_case (`weight_decay`, as the JSON of
 * AllenNLP) or camelCase. Options the config leaves out take the registered defaults.
 *
 * Nothing changes when it fails: parameters are frozen (`requires_grad: false` groups) only once the optimizer is
 * built.
 *
 * @param namedParameters - `[name, parameter]` pairs, e.g. `model.namedParameters()`.
 * @param config - the JSON config.
 * @param options - another registry, a logger, a report callback.
 * @throws ValueError `unknown optimizer "adamx"; known: adadelta, adafactor, …`; `invalid option "lrr" for optimizer "adam"; valid options: …`;
 * `missing option "lr" for optimizer "sgd"`; `<name> was specified in two separate parameter groups`; an invalid regex;
 * the optimizer's own checks, prefixed with its name (`optimizer "adam": Invalid learning rate: -1`).
 * @throws TypeError_ for a config that is not an object, a `type` that is not a string, a value of the wrong type
 * (`invalid value "fast" for option "lr" of optimizer "adam": expected a number, got string`), malformed groups.
 * @example
 * const opt = fromConfig(model.namedParameters(), {
 *   type: 'adamw', lr: 1e-3,
 *   parameter_groups: [[['^encoder\\.'], { lr: 1e-4 }], [['bias$'], { weight_decay: 0 }]],
 * });
 */
export function fromConfig(namedParameters: Iterable<NamedParameter>, config: OptimizerConfig, options: FromConfigOptions = {}): Optimizer {
  if (!isPlainObject(config)) throw new TypeError_(`an optimizer config must be an object, got ${kindOf(config)}`);
  const { type = DEFAULT_OPTIMIZER, parameter_groups: groups, parameterGroups, ...rest } = config as Record<string, unknown>;
  if (typeof type !== 'string') throw new TypeError_(`the optimizer "type" must be a string, got ${kindOf(type)}`);
  if (groups !== undefined && parameterGroups !== undefined) throw new ValueError('give "parameter_groups" or "parameterGroups", not both');
  const registry = options.registry ?? optimizerRegistry;
  const spec = registry.get(type);
  const what = `optimizer ${JSON.stringify(type)}`;
  const given = convertOptions(rest, spec.defaults, what);
  for (const key of spec.required ?? []) {
    if (!Object.hasOwn(given, key)) throw new ValueError(`missing option ${JSON.stringify(key)} for ${what}`);
  }
  const groupSpecs = (groups ?? parameterGroups ?? null) as ParameterGroupSpec[] | null;
  const converted =
    groupSpecs === null || !Array.isArray(groupSpecs)
      ? groupSpecs
      : groupSpecs.map((g, i): ParameterGroupSpec => {
          if (!Array.isArray(g) || g.length !== 2 || !isPlainObject(g[1])) return g;
          const { requires_grad, requiresGrad, ...opts } = g[1] as Record<string, unknown>;
          const frozen = requires_grad ?? requiresGrad;
          if (frozen !== undefined && typeof frozen !== 'boolean') {
            throw new TypeError_(
              `invalid value ${JSON.stringify(frozen)} for "requires_grad" in parameter group ${i}: expected true or false`,
            );
          }
          const camel = convertOptions(opts, spec.defaults, what, `in parameter group ${i}`);
          return [g[0], frozen === undefined ? camel : { ...camel, requires_grad: frozen }];
        });
  const plan = planParameterGroups(namedParameters, converted, 'parameter_groups');
  let optimizer: Optimizer;
  try {
    optimizer = spec.create(plan.params, { ...spec.defaults, ...given });
  } catch (e) {
    rethrow(e, what);
  }
  plan.apply(options.logger ?? defaultLogger);
  options.onReport?.(plan.report);
  return optimizer;
}
