import type { OptimizerInfo } from '../conformance.js';

/** Adadelta, Adagrad, Adamax, ASGD, NAdam, RAdam, RMSprop and Rprop against torch fixtures. */
export const elementwiseOptimizers: OptimizerInfo[] = [];
