import type { OptimizerInfo } from './conformance.js';
import { basicOptimizers } from './tables/torch-basic.js';
import { elementwiseOptimizers } from './tables/torch-elementwise.js';
import { specialOptimizers } from './tables/torch-special.js';

/** Every optimizer with torch fixtures: the table each backend's conformance run goes through. */
export const optimizerTable: readonly OptimizerInfo[] = [...basicOptimizers, ...elementwiseOptimizers, ...specialOptimizers];
