import { ASGD, Adadelta, Adagrad, Adamax, NAdam, RAdam, RMSprop, Rprop } from '../../src/index.js';
import type { OptimizerInfo } from '@tsoptim/testkit';

/**
 * Adadelta, Adagrad, Adamax, ASGD, NAdam, RAdam, RMSprop and Rprop against torch 1.13 fixtures, and against the
 * float64 references of current PyTorch's algorithms where 1.13 differs (tooling/fixtures/gen_algorithms.py;
 * each fixture's "source" says which). `extraGroupKeys` lists the options current PyTorch has and 1.13 lacks.
 */
export const elementwiseOptimizers: OptimizerInfo[] = [
  Adadelta.row({
    fixtures: ['adadelta_default', 'adadelta_wd_maximize', 'adadelta_groups', 'adadelta_lstsq'],
    errors: 'adadelta_errors',
    extraGroupKeys: ['capturable', 'differentiable'],
  }),
  Adagrad.row({
    fixtures: ['adagrad_decay_init', 'adagrad_wd_maximize', 'adagrad_groups', 'adagrad_lstsq'],
    errors: 'adagrad_errors',
    extraGroupKeys: ['differentiable', 'fused'],
  }),
  Adamax.row({
    fixtures: ['adamax_betas_eps', 'adamax_wd_maximize', 'adamax_groups', 'adamax_lstsq'],
    errors: 'adamax_errors',
    extraGroupKeys: ['capturable', 'differentiable'],
  }),
  ASGD.row({
    fixtures: ['asgd_averaging', 'asgd_wd_maximize', 'asgd_groups', 'asgd_lstsq'],
    errors: 'asgd_errors',
    extraGroupKeys: ['capturable', 'differentiable'],
  }),
  // Every NAdam fixture comes from the float64 reference (torch 1.13's mu_product_next differs), in current
  // PyTorch's layout; the error messages are 1.13's, which current PyTorch keeps.
  NAdam.row({
    fixtures: ['nadam_default', 'nadam_wd', 'nadam_decoupled_maximize', 'nadam_groups', 'nadam_lstsq'],
    errors: 'nadam_errors',
  }),
  RAdam.row({
    fixtures: ['radam_betas_eps', 'radam_wd', 'radam_groups', 'radam_lstsq'],
    errors: 'radam_errors',
    extraGroupKeys: ['maximize', 'decoupled_weight_decay', 'capturable', 'differentiable'],
  }),
  {
    // maximize and decoupled_weight_decay: float64 reference in current PyTorch's layout.
    name: 'RAdam (current options)',
    make: (params, o) => new RAdam(params, o),
    fixtures: ['radam_decoupled', 'radam_new_groups'],
  },
  RMSprop.row({
    fixtures: [
      'rmsprop_default',
      'rmsprop_momentum',
      'rmsprop_centered_maximize',
      'rmsprop_centered_momentum_wd',
      'rmsprop_groups',
      'rmsprop_lstsq',
    ],
    errors: 'rmsprop_errors',
    extraGroupKeys: ['capturable'],
  }),
  Rprop.row({
    fixtures: ['rprop_etas_clamp', 'rprop_maximize', 'rprop_groups', 'rprop_lstsq'],
    errors: 'rprop_errors',
    extraGroupKeys: ['capturable', 'differentiable'],
  }),
];
