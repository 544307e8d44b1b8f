/**
 * The vocabulary every algorithm's kernel is written in: the gradient preamble (maximize, L2, decoupled decay),
 * moving averages (first and second moment, AMSGrad's maximum, lerp) and the host-side scalars (bias corrections,
 * RAdam's rectification). Each piece of update math exists here once; algorithms in every package compose them.
 */
export {
  DECOUPLED_DECAY,
  type DecayFragment,
  type DecayKind,
  L2_DECAY,
  NO_DECAY,
  type ResolvedDecay,
  type Terms,
  decayAfter,
  decayFragment,
  decayKernelFamily,
  decayKind,
  preamble,
  preambleScalars,
  resolveDecay,
} from './decay.js';
export {
  type Average,
  type MomentForm,
  type MomentInputs,
  type Moments,
  adamDenominator,
  adamMoments,
  adaptiveStep,
  amsMax,
  descend,
  ema,
  lerp,
  lerpAverage,
  sq,
} from './moments.js';
export { adamScalars, biasCorrection, epsHatStepSize, radamRectification, radamRho } from './scalars.js';
export { lerpKernel } from './lerp.js';
