export { ADAM_DEFAULTS, Adam, type AdamOptions, type AdamStepOptions, adam, adamKernel } from './adam.js';
export { ADAMW_DEFAULTS, AdamW, type AdamWOptions } from './adamw.js';
export type { RemovableHandle } from './hooks.js';
export {
  type BaseOptions,
  type Closure,
  type LoadStateDictPostHook,
  type LoadStateDictPreHook,
  type NamedParameter,
  Optimizer,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
  type ParamsInput,
  type StateDictPostHook,
  type StateDictPreHook,
  type StepPostHook,
  type StepPreHook,
  evaluateClosure,
  registerOptimizerStepPostHook,
  registerOptimizerStepPreHook,
  rejectSparse,
} from './optimizer.js';
export { SGD, SGD_DEFAULTS, type SGDOptions, type SGDStepOptions, sgd } from './sgd.js';
export type { StateDict, StateValue } from './state-dict.js';
export * as validate from './validate.js';
