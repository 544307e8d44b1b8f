import type { OptimizerInfo } from '@tsoptim/testkit';
import { modernOptimizers } from './tables/modern.js';
import { basicOptimizers } from './tables/torch-basic.js';
import { elementwiseOptimizers } from './tables/torch-elementwise.js';
import { specialOptimizers } from './tables/torch-special.js';

/**
 * Every optimizer of @tsoptim/optim with reference fixtures: the table each backend's conformance run goes through
 * (`@tsoptim/optim/conformance-table`, resolved from source in the workspace's tests).
 */
export const optimTable: readonly OptimizerInfo[] = [
  ...basicOptimizers,
  ...elementwiseOptimizers,
  ...specialOptimizers,
  ...modernOptimizers,
];
