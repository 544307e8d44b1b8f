import { TsoptimError, ValueError } from '@tsoptim/core';
import type { SchedulerStateDict } from '../lr-scheduler.js';
import type { OptionTable } from './options.js';

/** Checks that the listed state dict entries, where present, are numbers. */
export function checkNumbers(sd: SchedulerStateDict, keys: readonly string[]): void {
  for (const k of keys) {
    if (Object.hasOwn(sd, k) && typeof sd[k] !== 'number') throw new ValueError(`loaded scheduler state dict: '${k}' must be a number`);
  }
}

/**
 * Checks the state dict entries that hold constructor options with the constructor's own checks (torch key →
 * option name), so a state dict cannot load what the constructor would refuse.
 */
export function checkFields(sd: SchedulerStateDict, table: OptionTable, map: Readonly<Record<string, string>>): void {
  for (const [key, name] of Object.entries(map)) {
    if (!Object.hasOwn(sd, key)) continue;
    const v = sd[key];
    if (typeof v !== 'number')
      throw new ValueError(`loaded scheduler state dict: '${key}' must be a number, got ${v === null ? 'null' : typeof v}`);
    const decl = table.decls.get(name);
    try {
      decl?.check?.(v, { owner: table.owner, name, torchName: decl.torchName });
    } catch (e) {
      if (!TsoptimError.isInstance(e)) throw e;
      throw new ValueError(`loaded scheduler state dict: '${key}': ${e.message}`, { cause: e });
    }
  }
}

/** Copies the listed numeric entries, where present, onto `target` (torch key → field name). */
export function loadNumbers(target: object, sd: SchedulerStateDict, map: Record<string, string>): void {
  for (const [key, field] of Object.entries(map)) {
    if (Object.hasOwn(sd, key) && typeof sd[key] === 'number') (target as Record<string, unknown>)[field] = sd[key];
  }
}

/**
 * A state dict's own entries in an object without a prototype: nothing is read through a prototype, and a
 * `__proto__` key is an ordinary (ignored) entry.
 */
export function ownState(stateDict: unknown): SchedulerStateDict {
  if (typeof stateDict !== 'object' || stateDict === null || Array.isArray(stateDict)) {
    throw new ValueError('a scheduler state dict must be an object');
  }
  const out = Object.create(null) as SchedulerStateDict;
  for (const [k, v] of Object.entries(stateDict)) out[k] = v;
  return out;
}
