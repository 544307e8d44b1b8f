import { type OptimizerInfo, camelKeys } from '@tsoptim/testkit';
import { AdaBelief } from '../src/ada-belief.js';
import { LabmlAdam } from '../src/adam.js';
import { AdamWarmup } from '../src/adam-warmup.js';
import { AdamWarmupCosineDecay } from '../src/adam-warmup-cosine-decay.js';
import { AMSGrad } from '../src/amsgrad.js';
import { L1WeightDecay } from '../src/l1-weight-decay.js';
import { Noam } from '../src/noam.js';
import { LabmlRAdam } from '../src/radam.js';
import { WeightDecay } from '../src/weight-decay.js';

/**
 * Fixture kwargs (labml's names, written by tooling/fixtures/gen_adaptive.py) → our options. A `weight_decay`
 * object describes the strategy (`kind` l2 or l1); a number (a group override) stays a number.
 */
function fromLabml(kwargs: Record<string, unknown>): Record<string, unknown> {
  const out = camelKeys(kwargs);
  const wd = kwargs.weight_decay;
  if (typeof wd === 'object' && wd !== null) {
    const { kind, ...rest } = wd as Record<string, unknown>;
    const options = camelKeys(rest);
    out.weightDecay = kind === 'l1' ? new L1WeightDecay(options) : new WeightDecay(options);
  }
  return out;
}

type Ctor = new (params: any, options: any) => any;

function info(name: string, cls: Ctor, fixtures: string[], errors: string): OptimizerInfo {
  return { name, area: 'adaptive', make: (params, options) => new cls(params, options), fixtures, errors, fromTorch: fromLabml };
}

/**
 * Every class of the package against the float64 reference fixtures: the table each backend's conformance run goes
 * through (`@tsoptim/adaptive/conformance-table`, resolved from source in the workspace's tests).
 */
export const adaptiveTable: readonly OptimizerInfo[] = [
  info(
    'Adam',
    LabmlAdam,
    [
      'adam_default',
      'adam_unoptimized_l2',
      'adam_decoupled',
      'adam_decoupled_absolute',
      'adam_groups',
      'adam_l1_coupled',
      'adam_l1_decoupled',
      'adam_lstsq',
    ],
    'adam_errors',
  ),
  info('AMSGrad', AMSGrad, ['amsgrad_default', 'amsgrad_groups'], 'amsgrad_errors'),
  info('AdamWarmup', AdamWarmup, ['adam_warmup', 'adam_warmup_amsgrad'], 'adam_warmup_errors'),
  info('AdamWarmupCosineDecay', AdamWarmupCosineDecay, ['adam_warmup_cosine', 'adam_warmup_cosine_amsgrad'], 'adam_warmup_cosine_errors'),
  info('Noam', Noam, ['noam', 'noam_amsgrad'], 'noam_errors'),
  info('RAdam', LabmlRAdam, ['radam_default', 'radam_no_sgd', 'radam_amsgrad'], 'radam_errors'),
  info('AdaBelief', AdaBelief, ['adabelief_default', 'adabelief_unrectified', 'adabelief_amsgrad_nosgd'], 'adabelief_errors'),
];
