/**
 * What an algorithm's per-parameter state holds, declared once: the host-side scalars (their kinds) and the
 * keys a saved state must have. `loadStateDict` checks a state dict against it before anything changes, and
 * a failed `step()` restores the scalars it lists. `defineAlgorithm` (`algorithm.ts`) derives
 * it from the declared state keys.
 */
import { Tensor, ValueError } from '@tsoptim/core';
import { describeValue } from './options.js';
import type { StateDict } from './state-dict.js';

/** A host-side scalar: a step counter (integer ≥ 0), or a finite number. */
export type ScalarStateKind = 'count' | 'number' | 'non-negative' | 'number-or-null' | 'number-list';

/** The state of one algorithm. */
export interface StateSpec {
  /** Host-side scalars and their kinds (`step: 'count'`, ASGD's `eta: 'number'`...). */
  readonly scalars: Readonly<Record<string, ScalarStateKind>>;
  /** Keys every saved entry must have. */
  readonly required?: readonly string[];
  /** Keys that come all together or not at all (LBFGS's history after its first iteration). */
  readonly together?: readonly string[];
  /** Keys that may be absent but, when present, are never null (AMSGrad's running maximum). */
  readonly notNull?: readonly string[];
  /** Keys required for a parameter of this shape (Adafactor's factored or full variance). */
  readonly requiredFor?: (shape: readonly number[]) => readonly string[];
  /**
   * Keys required by the loaded groups' options (Prodigy's `exp_avg` when β₁ > 0): `groups` as the state dict
   * holds them (torch's names), `index` the group of the parameter.
   */
  readonly requiredByGroups?: (groups: readonly Readonly<Record<string, unknown>>[], index: number) => readonly string[];
}

/** The state of the Adam family and most elementwise algorithms: a step counter and per-element tensors. */
export function stepState(required: readonly string[], scalars: Readonly<Record<string, ScalarStateKind>> = {}): StateSpec {
  return { scalars: { step: 'count', ...scalars }, required: ['step', ...required] };
}

const FORBIDDEN = new Set(['__proto__']);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Tensor.isTensor(v);
}

function scalarOf(v: unknown): unknown {
  return Tensor.isTensor(v) && v.size === 1 && v.backend.syncRead ? v.item() : v;
}

function kindOk(v: unknown, kind: ScalarStateKind): boolean {
  if (kind === 'number-list') return Array.isArray(v) && v.every((e) => kindOk(e, 'number-or-null'));
  const x = scalarOf(v);
  if (kind === 'number-or-null' && x === null) return true;
  if (typeof x !== 'number' || !Number.isFinite(x)) return false;
  if (kind === 'non-negative') return x >= 0;
  return kind !== 'count' || (Number.isInteger(x) && x >= 0);
}

/**
 * Checks a state dict's scalar state, required keys and key names before it is decoded. `__proto__` keys are
 * rejected wherever they appear (they would become a prototype through an assignment).
 *
 * @throws ValueError naming the parameter and key.
 */
export function checkStateDict(
  sd: StateDict,
  spec: StateSpec | undefined,
  className: string,
  current: readonly { readonly params: readonly { readonly shape: readonly number[] }[] }[] = [],
): void {
  const paramShape = (i: number, j: number) => current[i]?.params[j]?.shape;
  if (!isPlainObject(sd)) throw new ValueError(`${className}.loadStateDict: a state dict must be an object, got ${describeValue(sd)}`);
  for (const key of Object.keys(sd)) {
    if (FORBIDDEN.has(key)) throw new ValueError(`${className}.loadStateDict: the state dict has a forbidden key '${key}'`);
  }
  const state = (sd as { state?: unknown }).state;
  const groups = (sd as { param_groups?: unknown }).param_groups;
  if (!isPlainObject(state) || !Array.isArray(groups)) {
    throw new ValueError("a state dict must have 'state' (an object) and 'param_groups' (a list)");
  }
  groups.forEach((g, i) => {
    if (!isPlainObject(g)) throw new ValueError(`loaded state dict has parameter group ${i} that is not an object: ${describeValue(g)}`);
    for (const key of Object.keys(g)) {
      if (FORBIDDEN.has(key)) throw new ValueError(`loaded state dict has a forbidden key '${key}' in parameter group ${i}`);
    }
    if (!Array.isArray(g.params) || !g.params.every((x) => Number.isInteger(x) && (x as number) >= 0)) {
      throw new ValueError(`loaded state dict has parameter group ${i} whose 'params' is not a list of parameter indices`);
    }
  });
  // torch's checks first, with torch's messages.
  if (current.length !== 0) {
    if (groups.length !== current.length) throw new ValueError('loaded state dict has a different number of parameter groups');
    groups.forEach((g, i) => {
      if ((g as { params: unknown[] }).params.length !== current[i]!.params.length) {
        throw new ValueError("loaded state dict contains a parameter group that doesn't match the size of optimizer's group");
      }
    });
  }
  const ids = new Map<number, readonly number[] | undefined>();
  const groupOf = new Map<number, number>();
  (groups as { params: number[] }[]).forEach((g, i) =>
    g.params.forEach((x, j) => {
      ids.set(x, paramShape(i, j));
      groupOf.set(x, i);
    }),
  );
  for (const id of Object.keys(state)) {
    if (FORBIDDEN.has(id)) throw new ValueError(`loaded state dict has a forbidden key '${id}' in its state`);
    const entry = state[id];
    if (!/^\d+$/.test(id)) continue; // not a parameter's entry: kept as it is, as torch keeps it
    if (!ids.has(Number(id))) {
      throw new ValueError(`loaded state dict has state for parameter ${id}, which is not in any of its parameter groups`);
    }
    if (!isPlainObject(entry))
      throw new ValueError(`loaded state dict has state for parameter ${id} that is not an object: ${describeValue(entry)}`);
    for (const key of Object.keys(entry)) {
      if (FORBIDDEN.has(key)) throw new ValueError(`loaded state dict has a forbidden key '${key}' in the state of parameter ${id}`);
    }
    if (spec === undefined) continue;
    const shape = ids.get(Number(id));
    const required = [
      ...(spec.required ?? []),
      ...(spec.requiredFor !== undefined && shape !== undefined ? spec.requiredFor(shape) : []),
      ...(spec.requiredByGroups?.(groups as Record<string, unknown>[], groupOf.get(Number(id))!) ?? []),
    ];
    for (const key of required) {
      if (!Object.hasOwn(entry, key) || entry[key] === null || entry[key] === undefined) {
        throw new ValueError(`loaded state dict is missing '${key}' in the state of parameter ${id} (${className})`);
      }
    }
    for (const key of spec.notNull ?? []) {
      if (Object.hasOwn(entry, key) && (entry[key] === null || entry[key] === undefined)) {
        throw new ValueError(`loaded state dict has '${key}' = null in the state of parameter ${id} (${className})`);
      }
    }
    if (spec.together !== undefined) {
      const present = spec.together.filter((k) => Object.hasOwn(entry, k));
      if (present.length !== 0 && present.length !== spec.together.length) {
        const missing = spec.together.find((k) => !Object.hasOwn(entry, k))!;
        throw new ValueError(`loaded state dict is missing '${missing}' in the state of parameter ${id} (${className})`);
      }
    }
    for (const [key, kind] of Object.entries(spec.scalars)) {
      if (!Object.hasOwn(entry, key)) continue;
      const v = entry[key];
      if (!kindOk(v, kind)) {
        const want = {
          count: 'an integer ≥ 0',
          number: 'a finite number',
          'non-negative': 'a finite number ≥ 0',
          'number-or-null': 'a finite number or null',
          'number-list': 'a list of finite numbers (or nulls)',
        }[kind];
        throw new ValueError(`loaded state dict has '${key}' = ${describeValue(v)} in the state of parameter ${id}; expected ${want}`);
      }
    }
  }
}
