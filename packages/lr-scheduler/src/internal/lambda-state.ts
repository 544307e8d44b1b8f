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

/** Checks (when `checkOnly`) or restores saved lambda state; absent entries leave the functions as they are. */
export function loadLambdaState(fns: readonly unknown[], saved: unknown, checkOnly: boolean, key = 'lr_lambdas'): void {
  if (saved === undefined || saved === null) return;
  if (!Array.isArray(saved) || saved.length !== fns.length) {
    throw new ValueError(`loaded scheduler state dict: '${key}' must be a list of ${fns.length} entries`);
  }
  if (checkOnly) return;
  saved.forEach((s, i) => {
    if (s !== null && typeof s === 'object') Object.assign(fns[i] as object, copyData(s));
  });
}
