import { Adam, AdamW, SGD } from '../../src/index.js';
import type { OptimizerInfo } from '@tsoptim/testkit';

/** SGD, Adam and AdamW against torch 1.13 fixtures (tooling/fixtures/gen_optim.py). */
export const basicOptimizers: OptimizerInfo[] = [
  SGD.row({
    fixtures: ['sgd_basic', 'sgd_momentum', 'sgd_dampening', 'sgd_nesterov', 'sgd_wd_maximize', 'sgd_groups', 'sgd_lstsq'],
    errors: 'sgd_errors',
    // current PyTorch's SGD has `fused`; 1.13's has not.
    extraGroupKeys: ['fused'],
  }),
  Adam.row({
    fixtures: ['adam_default', 'adam_amsgrad', 'adam_wd', 'adam_maximize', 'adam_groups', 'adam_lstsq'],
    errors: 'adam_errors',
    extraGroupKeys: ['decoupled_weight_decay'],
  }),
  {
    name: 'Adam (decoupledWeightDecay)',
    make: (params, o) => new Adam(params, { ...o, decoupledWeightDecay: true }),
    fixtures: ['adam_decoupled'],
    extraGroupKeys: ['decoupled_weight_decay', 'differentiable', 'fused'],
  },
  AdamW.row({
    fixtures: ['adamw_default', 'adamw_amsgrad_maximize', 'adamw_groups', 'adamw_lstsq'],
    errors: 'adamw_errors',
    // torch 1.13's AdamW lacks `differentiable`; current PyTorch's AdamW is Adam with decoupled decay.
    extraGroupKeys: ['decoupled_weight_decay', 'differentiable', 'fused'],
  }),
];
