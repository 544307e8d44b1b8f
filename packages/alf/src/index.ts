export { ADAM_TF_DEFAULTS, AdamTF, type AdamTFOptions, type AdamTFStepOptions, adamTf, adamTfKernel } from './adam-tf.js';
export { AdamW, type AdamWOptions } from './adamw.js';
export { CEMOptimizer, type CEMInit, type CEMOptimizerOptions } from './cem-optimizer.js';
export { type ClipTarget, clipByGlobalNorm, clipByNorms } from './clip.js';
export { GradientNoiseScaleEstimator, type GradientNoiseScaleOptions } from './gradient-noise-scale.js';
export { NERO_PLUS_DEFAULTS, NeroPlus, type NeroPlusOptions, type ParameterSource, neroPlusKernel } from './nero-plus.js';
export { RandomOptimizer, type RandomOptimizerOptions, type TrajCostFn } from './random-optimizer.js';
export { type AdjustResult, type NestedChange, TrustedUpdater, type TrustedUpdaterOptions } from './trusted-updater.js';
export {
  type AlfParamGroupInput,
  type LrFunction,
  type LrSchedule,
  type OptimizerFactory,
  type SchedulerLike,
  type WrapOptions,
  WrappedOptimizer,
  wrapOptimizer,
} from './wrap-optimizer.js';
export { ALF_CATALOG } from './catalog.js';
