export { AdaBelief, type AdaBeliefOptions } from './ada-belief.js';
export { LabmlAdam, type LabmlAdamGroupOptions, type LabmlAdamOptions, type SecondMoment } from './adam.js';
export { AdamWarmup, type AdamWarmupGroupOptions, type AdamWarmupOptions } from './adam-warmup.js';
export {
  AdamWarmupCosineDecay,
  type AdamWarmupCosineDecayGroupOptions,
  type AdamWarmupCosineDecayOptions,
} from './adam-warmup-cosine-decay.js';
export { type AdaptiveTensors, type AdaptiveUpdateOptions, adaptiveUpdate } from './adaptive-update.js';
export { AMSGrad, type AMSGradGroupOptions, type AMSGradOptions } from './amsgrad.js';
export {
  type DecayFragment,
  NO_DECAY,
  type ResolvedDecay,
  type WeightDecayStrategy,
  decayKernelFamily,
} from './decay-fragment.js';
export { type AdaptiveGroupOptions, GenericAdaptiveOptimizer } from './generic-adaptive-optimizer.js';
export { L1WeightDecay } from './l1-weight-decay.js';
export { Noam, type NoamGroupOptions, type NoamOptions } from './noam.js';
export { LabmlRAdam, type LabmlRAdamOptions } from './radam.js';
export { WeightDecay, type WeightDecayOptions } from './weight-decay.js';
export { ADAPTIVE_CATALOG } from './catalog.js';
