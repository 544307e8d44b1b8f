import type { Parameter } from '@tsoptim/core';

/**
 * A parameter's own optimizer argument (ALF's `get_opt_arg`): `p.options[name]` when it is set (not
 * undefined or null), otherwise `fallback`.
 */
export function optArg<T>(p: Parameter, name: string, fallback: T): T {
  const v = p.options[name];
  return v === undefined || v === null ? fallback : (v as T);
}
