import { Parameter, TypeError_, ValueError } from '@tsoptim/core';
import type { NamedParameter, ParamGroupInput } from '@tsoptim/optim';
import { isPlainObject, kindOf, show } from './internal/names.js';

/** Where {@link makeParameterGroups} and {@link fromConfig} report (AllenNLP logs the same lines). */
export interface RegistryLogger {
  info(message: string): void;
  warn(message: string): void;
}

/** The default logger: informational lines are dropped, warnings go to `console.warn`. */
export const defaultLogger: RegistryLogger = {
  info: () => {},
  warn: (message) => console.warn(message),
};

/** One group spec, AllenNLP's `(regexes, options)`: a parameter whose name matches any regex joins the group. */
export type ParameterGroupSpec = readonly [readonly string[], Readonly<Record<string, unknown>>];

/** One group as built, for the report. */
export interface ParameterGroupInfo {
  /** Position in the optimizer's `paramGroups`. */
  readonly index: number;
  /** Names of the group's parameters, in model order. */
  readonly names: readonly string[];
  /** How many parameter tensors. */
  readonly numTensors: number;
  /** How many elements those tensors hold. */
  readonly numElements: number;
  /** The group's options (none for the default group). */
  readonly options: Readonly<Record<string, unknown>>;
  /** True for the last group: the parameters no regex matched. */
  readonly isDefault: boolean;
}

/** What {@link makeParameterGroups} did: the groups' sizes, the frozen parameters, the regexes that matched nothing. */
export interface ParameterGroupsReport {
  /** The groups passed to the optimizer (frozen groups dropped), the default group last. */
  readonly groups: readonly ParameterGroupInfo[];
  /** Names of the parameters frozen by a `requires_grad: false` group. */
  readonly frozen: readonly string[];
  /** Regexes that matched no parameter name, in the order first seen. */
  readonly unmatchedRegexes: readonly string[];
  /** Elements of every parameter left to optimize. */
  readonly numTrainable: number;
}

/** The result of {@link makeParameterGroups}: what to pass to an optimizer, and the report. */
export interface ParameterGroups {
  /** Groups (`{ params, ...options }`), or the plain parameter list when no groups were given. */
  readonly params: ParamGroupInput[] | Parameter[];
  readonly report: ParameterGroupsReport;
}

/** Options of {@link makeParameterGroups}. */
export interface MakeParameterGroupsOptions {
  /** Receives AllenNLP's log lines (default: {@link defaultLogger}). */
  readonly logger?: RegistryLogger;
}

/** A grouping worked out without touching any parameter; `apply` freezes and logs. */
export interface ParameterGroupsPlan extends ParameterGroups {
  apply(logger: RegistryLogger): void;
}

const REQUIRES_GRAD = ['requires_grad', 'requiresGrad'];

function checkNamed(namedParameters: Iterable<NamedParameter>): NamedParameter[] {
  if (
    typeof namedParameters !== 'object' ||
    namedParameters === null ||
    typeof (namedParameters as Iterable<unknown>)[Symbol.iterator] !== 'function'
  ) {
    throw new TypeError_(`namedParameters must be an iterable of [name, parameter] pairs, got ${kindOf(namedParameters)}`);
  }
  const list = [...namedParameters];
  list.forEach((item, i) => {
    if (!Array.isArray(item) || item.length !== 2 || typeof item[0] !== 'string' || !Parameter.isParameter(item[1])) {
      throw new TypeError_(`namedParameters[${i}] must be a [name, parameter] pair, got ${kindOf(item)}`);
    }
  });
  return list;
}

/** Checks the `(regexes, options)` list and compiles the regexes. */
function checkSpecs(groups: unknown, where: string): { regexes: { source: string; re: RegExp }[]; options: Record<string, unknown> }[] {
  if (!Array.isArray(groups)) throw new TypeError_(`${where} must be a list of [regexes, options] pairs, got ${kindOf(groups)}`);
  return groups.map((g, i) => {
    if (!Array.isArray(g) || g.length !== 2 || !Array.isArray(g[0]) || !isPlainObject(g[1])) {
      throw new TypeError_(`${where}[${i}] must be a [regexes, options] pair such as [["^encoder\\\\."], {"lr": 0.0001}], got ${show(g)}`);
    }
    const regexes = (g[0] as unknown[]).map((r, j) => {
      if (typeof r !== 'string') throw new TypeError_(`${where}[${i}] regex ${j} must be a string, got ${show(r)}`);
      try {
        return { source: r, re: new RegExp(r) };
      } catch (e) {
        throw new ValueError(`${where}[${i}]: invalid regex ${JSON.stringify(r)}: ${(e as Error).message}`);
      }
    });
    return { regexes, options: { ...(g[1] as Record<string, unknown>) } };
  });
}

/**
 * Works out the grouping without changing anything (the freezing happens in `apply`), so that a caller can
 * build the optimizer first and commit only when that succeeded.
 *
 * @internal Used by {@link makeParameterGroups} and {@link fromConfig}.
 */
export function planParameterGroups(
  namedParameters: Iterable<NamedParameter>,
  groups: readonly ParameterGroupSpec[] | null | undefined,
  where = 'groups',
): ParameterGroupsPlan {
  const named = checkNamed(namedParameters);
  if (groups === null || groups === undefined || (Array.isArray(groups) && groups.length === 0)) {
    const params = named.map(([, p]) => p);
    const numTrainable = params.reduce((n, p) => n + p.size, 0);
    const report: ParameterGroupsReport = {
      groups: [
        { index: 0, names: named.map(([n]) => n), numTensors: params.length, numElements: numTrainable, options: {}, isDefault: true },
      ],
      frozen: [],
      unmatchedRegexes: [],
      numTrainable,
    };
    return { params, report, apply: (logger) => logger.info(`Number of trainable parameters: ${numTrainable}`) };
  }
  const specs = checkSpecs(groups, where);
  const members: NamedParameter[][] = Array.from({ length: specs.length + 1 }, () => []);
  const useCounts = new Map<string, number>();
  for (const [name, param] of named) {
    let groupIndex: number | null = null;
    specs.forEach((spec, k) => {
      for (const { source, re } of spec.regexes) {
        if (!useCounts.has(source)) useCounts.set(source, 0);
        re.lastIndex = 0;
        if (re.test(name)) {
          if (groupIndex !== null && groupIndex !== k) throw new ValueError(`${name} was specified in two separate parameter groups`);
          groupIndex = k;
          useCounts.set(source, useCounts.get(source)! + 1);
        }
      }
    });
    members[groupIndex ?? specs.length]!.push([name, param]);
  }
  const optionsOf = (k: number): Record<string, unknown> => (k < specs.length ? specs[k]!.options : {});
  const isFrozen = (k: number): boolean => REQUIRES_GRAD.some((key) => optionsOf(k)[key] === false);
  const kept = members.map((_, k) => k).filter((k) => !isFrozen(k));
  const cleanOptions = (k: number): Record<string, unknown> => {
    const o = { ...optionsOf(k) };
    for (const key of REQUIRES_GRAD) delete o[key];
    return o;
  };
  const params: ParamGroupInput[] = kept.map((k) => ({ ...cleanOptions(k), params: members[k]!.map(([, p]) => p) }));
  const infos: ParameterGroupInfo[] = kept.map((k, index) => ({
    index,
    names: members[k]!.map(([n]) => n),
    numTensors: members[k]!.length,
    numElements: members[k]!.reduce((n, [, p]) => n + p.size, 0),
    options: cleanOptions(k),
    isDefault: k === specs.length,
  }));
  const frozenGroups = members.map((_, k) => k).filter(isFrozen);
  const frozen = frozenGroups.flatMap((k) => members[k]!.map(([n]) => n));
  const unmatchedRegexes = [...useCounts].filter(([, n]) => n === 0).map(([r]) => r);
  const numTrainable = infos.reduce((n, g) => n + g.numElements, 0);
  const report: ParameterGroupsReport = { groups: infos, frozen, unmatchedRegexes, numTrainable };
  const apply = (logger: RegistryLogger): void => {
    for (const k of frozenGroups) {
      const names = members[k]!.map(([n]) => n);
      logger.info(`Disabling gradient for the following parameters: ${show(names)}`);
      for (const [, p] of members[k]!) p.requiresGrad = false;
      const unused = cleanOptions(k);
      if (Object.keys(unused).length !== 0) logger.warn(`Ignoring unused options ${show(unused)} for ${show(names)}`);
    }
    logger.info('Done constructing parameter groups.');
    for (const g of infos) logger.info(`Group ${g.index}: ${show(g.names)}, ${show(g.options)}`);
    for (const r of unmatchedRegexes) logger.warn(`When constructing parameter groups, ${r} does not match any parameter name`);
    logger.info(`Number of trainable parameters: ${numTrainable}`);
  };
  return { params, report, apply };
}

/**
 * Splits named parameters into optimizer parameter groups by regex, with AllenNLP's semantics
 * (`allennlp.training.optimizers.make_parameter_groups`):
 *
 * - each group is `[regexes, options]`; a parameter joins a group when any of its regexes is found anywhere in the
 *   parameter's name (a search, as Python's `re.search`: anchor with `^` / `$` where needed);
 * - a parameter that matches regexes of two different groups is an error;
 * - parameters no regex matches form the default group, always last (possibly empty), with no options of its
 *   own (the optimizer's defaults apply);
 * - a group with `requires_grad: false` (or `requiresGrad: false`) freezes its parameters
 *   (`requiresGrad = false`) and is dropped; its other options are reported as unused;
 * - `requires_grad: true` is accepted and removed; every other option is passed on as is;
 * - regexes that match nothing and each group's size are reported (the returned `report`, and the logger).
 *
 * Without groups (null, undefined or empty) the result is the plain parameter list.
 *
 * Regexes are JavaScript regular expressions; Python-only syntax such as `(?P<name>…)` is not accepted.
 *
 * @param namedParameters - `[name, parameter]` pairs, e.g. `model.namedParameters()`.
 * @param groups - `[regexes, options]` pairs.
 * @param options - `logger` for AllenNLP's log lines.
 * @throws ValueError `<name> was specified in two separate parameter groups`, or for an invalid regex (named).
 * @throws TypeError_ for a malformed group list (the bad entry is named).
 * @example
 * const { params, report } = makeParameterGroups(model.namedParameters(), [
 *   [['^encoder\\.'], { lr: 1e-4 }],
 *   [['bias$'], { weightDecay: 0 }],
 *   [['^embedding\\.'], { requires_grad: false }],
 * ]);
 * const opt = new AdamW(params, { lr: 1e-3 });
 * report.groups.map((g) => g.numTensors); // sizes of the groups, default group last
 */
export function makeParameterGroups(
  namedParameters: Iterable<NamedParameter>,
  groups: readonly ParameterGroupSpec[] | null | undefined,
  options: MakeParameterGroupsOptions = {},
): ParameterGroups {
  const plan = planParameterGroups(namedParameters, groups);
  plan.apply(options.logger ?? defaultLogger);
  return { params: plan.params, report: plan.report };
}
