export {
  ADADELTA_DEFAULTS,
  ADADELTA_OPTIONS,
  Adadelta,
  type AdadeltaOptions,
  type AdadeltaStepOptions,
  adadelta,
  adadeltaKernel,
} from './adadelta.js';
export {
  ADAGRAD_DEFAULTS,
  ADAGRAD_OPTIONS,
  Adagrad,
  type AdagradOptions,
  type AdagradStepOptions,
  adagrad,
  adagradKernel,
} from './adagrad.js';
export { ADAM_DEFAULTS, ADAM_OPTIONS, Adam, type AdamOptions, type AdamStepOptions, adam, adamKernel } from './adam.js';
export { ADAMAX_DEFAULTS, ADAMAX_OPTIONS, Adamax, type AdamaxOptions, type AdamaxStepOptions, adamax, adamaxKernel } from './adamax.js';
export { ADAMW_DEFAULTS, ADAMW_OPTIONS, AdamW, type AdamWOptions } from './adamw.js';
export { ASGD, ASGD_DEFAULTS, ASGD_OPTIONS, type ASGDOptions, type ASGDStepOptions, asgd, asgdKernel } from './asgd.js';
export {
  ADAFACTOR_DEFAULTS,
  ADAFACTOR_OPTIONS,
  Adafactor,
  type AdafactorOptions,
  type AdafactorSlots,
  type AdafactorStepOptions,
  FLOAT32_EPS,
  adafactor,
} from './adafactor.js';
export type { RemovableHandle } from './hooks.js';
export { LBFGS, LBFGS_DEFAULTS, LBFGS_OPTIONS, type LBFGSOptions, cubicInterpolate } from './lbfgs.js';
export {
  type BaseOptions,
  type Closure,
  type LoadStateDictPostHook,
  type LoadStateDictPreHook,
  type NamedParameter,
  Optimizer,
  type ParamGroup,
  type GroupOptionsOf,
  type ParamGroupInput,
  type SchedulerGroupOptions,
  checkGradientShapes,
  type ParamState,
  type ParamsInput,
  type Schedulable,
  type Scheduled,
  type OptionValue,
  type StoredParamGroup,
  type StateDictPostHook,
  type StateDictPreHook,
  type StepPostHook,
  type StepPreHook,
  evaluateClosure,
  registerOptimizerStepPostHook,
  registerOptimizerStepPreHook,
  rejectSparse,
} from './optimizer.js';
export { NADAM_DEFAULTS, NADAM_OPTIONS, NAdam, type NAdamOptions, type NAdamStepOptions, nadam, nadamKernel } from './nadam.js';
export { RADAM_DEFAULTS, RADAM_OPTIONS, RAdam, type RAdamOptions, type RAdamStepOptions, radam, radamKernel } from './radam.js';
export {
  RMSPROP_DEFAULTS,
  RMSPROP_OPTIONS,
  RMSprop,
  type RMSpropOptions,
  type RMSpropStepOptions,
  rmsprop,
  rmspropKernel,
} from './rmsprop.js';
export { RPROP_DEFAULTS, RPROP_OPTIONS, Rprop, type RpropOptions, type RpropStepOptions, rprop, rpropKernel } from './rprop.js';
export { SGD, SGD_DEFAULTS, SGD_OPTIONS, type SGDOptions, type SGDStepOptions, sgd } from './sgd.js';
export {
  SPARSE_ADAM_DEFAULTS,
  SPARSE_ADAM_OPTIONS,
  SparseAdam,
  type SparseAdamOptions,
  type SparseAdamStepOptions,
  sparseAdam,
  sparseAdamKernel,
} from './sparse-adam.js';
export { SavedTensor, type StateDict, type StateValue } from './state-dict.js';
export {
  type OptionKind,
  type OptionSite,
  type OptionSpec,
  type OptionSpecs,
  type OptionsConfig,
  type OptionsDecl,
  type RunningSpec,
  SCHEDULER_GROUP_KEYS,
  baseSpecs,
  betasCheck,
  bool,
  defineOptions,
  describeValue,
  float,
  inRange,
  int,
  nonNegative,
  pair,
  positive,
  pyFloat,
  rejectUnknownOptions,
  suggestName,
  withoutCapturable,
  withoutFused,
} from './options.js';
export { type ScalarStateKind, type StateSpec, checkStateDict, stepState } from './state-spec.js';
export {
  type AlgorithmClass,
  type AlgorithmFunctional,
  type AlgorithmRow,
  type AlgorithmSpec,
  type AlgorithmState,
  type AlgorithmStateDecl,
  DeclaredOptimizer,
  type NumberLists,
  type StateLists,
  type StepCount,
  defineAlgorithm,
  functionalForm,
  sparseRows,
} from './algorithm.js';
export {
  type AlgorithmAbout,
  type AlgorithmReference,
  type AlgorithmStart,
  type CatalogEntry,
  admitsParameter,
  catalogEntry,
} from './catalog.js';
export * as validate from './validate.js';
export * as fragments from './kernels/index.js';
export type { DecayFragment, ResolvedDecay } from './kernels/decay.js';
export { ADAN_DEFAULTS, ADAN_OPTIONS, Adan, type AdanOptions, type AdanStepOptions, adan, adanKernel } from './adan.js';
export {
  LAMB,
  LAMB_DEFAULTS,
  LAMB_OPTIONS,
  type LAMBOptions,
  type LAMBStepOptions,
  lamb,
  lambApplyKernel,
  lambDirectionKernel,
} from './lamb.js';
export { LION_DEFAULTS, LION_OPTIONS, Lion, type LionOptions, type LionStepOptions, lion, lionKernel } from './lion.js';
export {
  MUON_DEFAULTS,
  MUON_NS_COEFFICIENTS,
  MUON_OPTIONS,
  Muon,
  type MuonOptions,
  type MuonStepOptions,
  muon,
  muonApplyKernel,
  muonCombineKernel,
  muonMatrix,
  muonMomentumKernel,
  muonNormalizeKernel,
  muonPolynomialKernel,
  newtonSchulz5,
} from './muon.js';
export { PRODIGY_DEFAULTS, PRODIGY_OPTIONS, Prodigy, type ProdigyOptions } from './prodigy.js';
export {
  SCHEDULE_FREE_ADAMW_DEFAULTS,
  SCHEDULE_FREE_ADAMW_OPTIONS,
  ScheduleFreeAdamW,
  type ScheduleFreeAdamWOptions,
  type ScheduleFreeAdamWStepOptions,
  scheduleFreeAdamW,
  scheduleFreeAdamWKernel,
} from './schedule-free-adamw.js';
