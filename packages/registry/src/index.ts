export { optimizerCatalog } from './catalog.js';
export { DENSE_SPARSE_ADAM_DEFAULTS, DenseSparseAdam, type DenseSparseAdamOptions } from './dense-sparse-adam.js';
export { type FromConfigOptions, type OptimizerConfig, fromConfig } from './from-config.js';
export {
  HUGGINGFACE_ADAMW_DEFAULTS,
  HuggingfaceAdamW,
  type HuggingfaceAdamWOptions,
  type HuggingfaceAdamWStepOptions,
  huggingfaceAdamW,
  huggingfaceAdamWKernel,
} from './huggingface-adamw.js';
export {
  ALLENNLP_HUGGINGFACE_ADAMW_DEFAULTS,
  DEFAULT_OPTIMIZER,
  type OptimizerSpec,
  createOptimizerRegistry,
  optimizerRegistry,
} from './optimizer-registry.js';
export {
  type MakeParameterGroupsOptions,
  type ParameterGroupInfo,
  type ParameterGroupSpec,
  type ParameterGroups,
  type ParameterGroupsReport,
  type RegistryLogger,
  defaultLogger,
  makeParameterGroups,
} from './parameter-groups.js';
export { type RegisterOptions, Registry } from './registry.js';
export {
  type SchedulerConfig,
  type SchedulerFromConfigOptions,
  type SchedulerSpec,
  createSchedulerRegistry,
  schedulerFromConfig,
  schedulerRegistry,
} from './scheduler-registry.js';
export {
  type ThincConfig,
  type ThincOptimizerFromConfigOptions,
  type ThincRegistries,
  parseThincConfig,
  resolveThincConfig,
  thincOptimizerFromConfig,
} from './thinc-config.js';
export {
  type KeyedOptimizer,
  THINC_OPTIMIZER_DEFAULTS,
  type ThincHyper,
  type ThincKey,
  ThincOptimizer,
  type ThincOptimizerOptions,
  type ThincSlot,
  type ThincUpdateOptions,
  keyedOptimizer,
  thincKeyString,
} from './thinc-optimizer.js';
export {
  type ThincFunctionSpec,
  createThincOptimizerRegistry,
  createThincScheduleRegistry,
  thincOptimizers,
  thincSchedules,
} from './thinc-registry.js';
