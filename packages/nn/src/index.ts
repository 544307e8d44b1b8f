export { type DropoutOptions, dropout } from './dropout-op.js';
export { add, div, mul, neg, type Operand, scale, sub } from './arithmetic.js';
export { exp, log, relu, sigmoid, tanh } from './activation.js';
export { type BatchNormOptions, batchNorm } from './batch-norm-op.js';
export { BatchNorm1d, type BatchNormOptions1d } from './batch-norm.js';
export { type Conv2dOptions, conv2d, type MaxPool2dOptions, maxPool2d, type Pair } from './conv.js';
export { BatchNorm2d, Conv2d, type Conv2dLayerOptions, Flatten, MaxPool2d } from './conv-layers.js';
export { enableGrad, isGradEnabled, noGrad } from './grad-mode.js';
export { tidy } from './tidy.js';
export { kaimingUniform_, manualSeed, uniform_ } from './init.js';
export { Dropout, type DropoutModuleOptions, ReLU, Sequential, Sigmoid, Tanh } from './layers.js';
export { Linear, type LinearOptions } from './linear.js';
export {
  type ClassLossOptions,
  crossEntropy,
  type LossOptions,
  mseLoss,
  nllLoss,
  type Reduction,
  type Targets,
} from './loss.js';
export { linear, matmul } from './matmul.js';
export {
  type IncompatibleKeys,
  type LoadStateDictOptions,
  Module,
  type StateDict,
  type StateDictInput,
} from './module.js';
export { mean, type ReduceOptions, sum } from './reduction.js';
export { gatherRows, reshape, transpose } from './shape-ops.js';
export { logSoftmax, softmax } from './softmax.js';
export { type BackwardOptions, type Input, Variable, keep, variable } from './variable.js';
