import { ValueError } from '@tsoptim/core';
import { copyData } from './py.js';

/** torch saves `None` for a plain function and a callable object's `__dict__`: here, a function's own enumerable properties. */
export function saveLambdaState(fns: readonly unknown[]): (Record<string, unknown> | null)[] {
  return fns.map((f) => {
    if (f === null || (typeof f !== 'function' && typeof f !== 'object')) return null;
    const own = Object.keys(f as object);
    if (own.length === 0) return null;
    const out: Record<string, unknown> = {};
    for (const k of own) {
      const v = (f as Record<string, unknown>)[k];
      if (typeof v !== 'function') out[k] = copyData(v);
    }
    return out;
  });
}

/**
 * Checks saved lambda state: a list with one entry per function, each `null` or an object whose keys may be
 * written onto the function (not `__proto__`, `constructor`, `prototype`, nor a read-only property such as
 * `name` or `length`).
 */
export function checkLambdaState(fns: readonly unknown[], saved: unknown, key = 'lr_lambdas'): void {
  if (saved === undefined || saved === null) return;
  if (!Array.isArray(saved) || saved.length !== fns.length) {
    throw new ValueError(`loaded scheduler state dict: '${key}' must be a list of ${fns.length} entries`);
  }
  saved.forEach((s, i) => {
    if (s === null) return;
    if (typeof s !== 'object' || Array.isArray(s))
      throw new ValueError(`loaded scheduler state dict: '${key}'[${i}] must be an object or null`);
    const f = fns[i];
    for (const k of Object.keys(s)) {
      const own = f !== null && (typeof f === 'object' || typeof f === 'function') ? Object.getOwnPropertyDescriptor(f, k) : undefined;
      const writable = own === undefined ? !(k in Object(f)) : own.writable === true && own.enumerable === true;
      if (k === '__proto__' || k === 'constructor' || k === 'prototype' || !writable) {
        throw new ValueError(
          `loaded scheduler state dict: '${key}'[${i}] has the key ${JSON.stringify(k)}, which cannot be set on the function`,
        );
      }
    }
  });
}

/** Checks (when `checkOnly`) or restores saved lambda state; absent entries leave the functions as they are. */
export function loadLambdaState(fns: readonly unknown[], saved: unknown, checkOnly: boolean, key = 'lr_lambdas'): void {
  checkLambdaState(fns, saved, key);
  if (checkOnly || saved === undefined || saved === null) return;
  (saved as unknown[]).forEach((s, i) => {
    if (s !== null && typeof s === 'object') Object.assign(fns[i] as object, copyData(s));
  });
}
