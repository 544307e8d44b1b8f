import { Adafactor, LBFGS, SparseAdam } from '@tsoptim/optim';
import type { OptimizerInfo } from '../conformance.js';

/**
 * LBFGS and SparseAdam against torch 1.13 fixtures, Adafactor against the float64 reference of current PyTorch's
 * algorithm (tooling/fixtures/gen_special.py).
 */
export const specialOptimizers: OptimizerInfo[] = [
  {
    name: 'LBFGS',
    make: (params, o) => new LBFGS(params, o),
    fixtures: ['lbfgs_rosenbrock', 'lbfgs_rosenbrock_wolfe', 'lbfgs_rosenbrock_wolfe_history', 'lbfgs_lstsq', 'lbfgs_lstsq_wolfe'],
    errors: 'lbfgs_errors',
    closureDriven: true,
    // The closure reads parameters synchronously, and LBFGS reads its dot products back within a step.
    needsSyncRead: true,
  },
  {
    name: 'SparseAdam',
    make: (params, o) => new SparseAdam(params, o),
    fixtures: ['sparse_adam_default', 'sparse_adam_betas_maximize', 'sparse_adam_groups'],
    errors: 'sparse_adam_errors',
  },
  {
    name: 'Adafactor',
    make: (params, o) => new Adafactor(params, o),
    fixtures: ['adafactor_default', 'adafactor_wd_maximize', 'adafactor_eps_d_decay', 'adafactor_groups', 'adafactor_lstsq'],
    errors: 'adafactor_errors',
  },
];
