export { ChainedScheduler, type ChainedSchedulerOptions } from './chained-scheduler.js';
export { ConstantLR, type ConstantLROptions } from './constant-lr.js';
export { CosineAnnealingLR, type CosineAnnealingLROptions } from './cosine-annealing-lr.js';
export { CosineAnnealingWarmRestarts, type CosineAnnealingWarmRestartsOptions } from './cosine-annealing-warm-restarts.js';
export { CyclicLR, type CyclicLROptions } from './cyclic-lr.js';
export { ExponentialLR, type ExponentialLROptions } from './exponential-lr.js';
export { type CompiledExpression, EXPRESSION_FUNCTIONS, compileExpression } from './expression.js';
export {
  SCHEDULER_NAMES,
  SCHEDULE_NAMES,
  type ScheduleConfig,
  type ScheduleTrace,
  createSchedule,
  createScheduler,
  traceSchedule,
} from './from-config.js';
export { LambdaLR, type LambdaLROptions, type LrLambda } from './lambda-lr.js';
export { LinearLR, type LinearLROptions } from './linear-lr.js';
export { type Group, LRScheduler, type LRSchedulerOptions, type SchedulerStateDict, formatParam } from './lr-scheduler.js';
export { MultiStepLR, type MultiStepLROptions } from './multi-step-lr.js';
export { MultiplicativeLR, type MultiplicativeLROptions } from './multiplicative-lr.js';
export { OneCycleLR, type OneCycleLROptions, type SchedulePhase } from './one-cycle-lr.js';
export {
  type CosineDecayOptions,
  type ExponentialDecayOptions,
  type PiecewiseConstantOptions,
  type WarmupCosineDecayOptions,
  cosineDecay,
  exponentialDecay,
  joinSchedules,
  piecewiseConstant,
  warmupCosineDecay,
} from './optax-schedules.js';
export { PolynomialLR, type PolynomialLROptions } from './polynomial-lr.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './reduce-lr-on-plateau.js';
export { type LastScore, type Schedule, type ScheduleExtra, type ScheduleLike, makeSchedule } from './schedule.js';
export { SequentialLR, type SequentialLROptions } from './sequential-lr.js';
export { StepLR, type StepLROptions } from './step-lr.js';
export {
  type CompoundingOptions,
  type ConstantThenOptions,
  type CyclicTriangularOptions,
  type DecayingOptions,
  type PlateauOptions,
  type PlateauState,
  type SlantedTriangularOptions,
  type WarmupLinearOptions,
  compounding,
  constant,
  constantThen,
  cyclicTriangular,
  decaying,
  plateau,
  slantedTriangular,
  warmupLinear,
} from './thinc-schedules.js';
