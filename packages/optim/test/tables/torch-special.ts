import { Adafactor, LBFGS, SparseAdam } from '../../src/index.js';
import type { OptimizerInfo } from '@tsoptim/testkit';

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
    // LBFGS amplifies rounding differences. In these cases float32-sized errors in torch's own gradients move its
    // values by at most 1e-5 and leave every step's iteration and evaluation counts unchanged (gen_special.py
    // measures it; each fixture's note records it); n_iter and func_evals have to match exactly. The state holds
    // gradient differences (old_dirs), 1/(y·s) (ro) and the two-loop coefficients (al), which amplify parameter
    // differences by the problem's curvature: it is compared more loosely than the parameters.
    stateTolerance: { atol: 1e-4, rtol: 1e-3 },
  },
  SparseAdam.row({
    fixtures: ['sparse_adam_default', 'sparse_adam_betas_maximize', 'sparse_adam_groups'],
    errors: 'sparse_adam_errors',
  }),
  Adafactor.row({
    fixtures: ['adafactor_default', 'adafactor_wd_maximize', 'adafactor_eps_d_decay', 'adafactor_groups', 'adafactor_lstsq'],
    errors: 'adafactor_errors',
  }),
];
