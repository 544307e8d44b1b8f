import { Parameter } from '@tsoptim/core';
import type { ParamsInput } from '@tsoptim/optim';

/**
 * ALF builds an optimizer before it knows the parameters: `new AdamTF()` starts with one empty group, and
 * `new AdamTF({ lr })` takes its options alone (a plain object without `params` is options, not a group).
 */
export function optionsFirst<O extends object>(params: unknown, options: O): [ParamsInput<any>, O] {
  if (params === undefined) return [[{ params: [] }], options];
  const isOptions =
    typeof params === 'object' &&
    params !== null &&
    !Array.isArray(params) &&
    !Parameter.isParameter(params) &&
    !(Symbol.iterator in params) &&
    !Object.hasOwn(params, 'params');
  return isOptions ? [[{ params: [] }], params as O] : [params as ParamsInput<any>, options];
}
