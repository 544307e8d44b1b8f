import type { Parameter, Tensor } from '@tsoptim/core';
import { type ParamGroup, type ParamState, type ParamsInput, rejectUnknownOptions } from '@tsoptim/optim';
import type { SecondMoment } from './adam.js';
import type { AMSGradGroupOptions, AMSGradOptions } from './amsgrad.js';
import { LabmlRAdam } from './radam.js';

/** Options of {@link AdaBelief}. */
export interface AdaBeliefOptions extends AMSGradOptions {
  /** ε (default 1e-16); it is also added to s before the square root. */
  eps?: number;
  /** Use the running maximum of s (default false). A group option. */
  amsgrad?: boolean;
  /** While RAdam's r_t is intractable, take an SGD-with-momentum step (default true); labml's name. */
  degenerateToSgd?: boolean;
  /** Use RAdam's rectified update (default true); false uses Adam's. */
  rectify?: boolean;
}

const BELIEF: SecondMoment = Object.freeze({ kind: 'belief', key: 'exp_avg_var', maxKey: 'max_exp_avg_var' });

/** The options AdaBelief's constructor takes. */
const ADABELIEF_OPTION_NAMES: readonly string[] = [
  'lr',
  'betas',
  'eps',
  'weightDecay',
  'optimizedUpdate',
  'amsgrad',
  'degenerateToSgd',
  'rectify',
];

/**
 * AdaBelief (Zhuang et al., "AdaBelief Optimizer: Adapting Stepsizes by the Belief in Observed Gradients",
 * https://arxiv.org/abs/2010.07468), labml's extension of {@link RAdam}: the second moment is the running
 * variance of the gradient around its average,
 *
 *   m ← β₁m + (1−β₁)g;  s ← β₂s + (1−β₂)(g − m)²;  (s_max ← max(s_max, s) with `amsgrad`);
 *
 * and the update is RAdam's (`rectify`, the default) or Adam's with s + ε in place of v. `exp_avg_var` is stored
 * without ε (labml adds it out of place, the official implementation in place).
 *
 * **Difference from labml's code.** labml's `AdaBelief.__init__` calls `RAdam.__init__(params, lr, betas, eps,
 * weight_decay, amsgrad, degenerate_to_sgd, defaults)`, skipping RAdam's `optimized_update` parameter, so every
 * argument after `weight_decay` lands one place off: `optimized_update = amsgrad` (false by default),
 * `amsgrad = degenerate_to_sgd` (true by default, so it keeps `max_exp_avg_var`), and `degenerated_to_sgd =
 * defaults` (`{}`, falsy: no SGD steps). This class implements the intended algorithm: `optimizedUpdate` (default
 * true), `amsgrad` and `degenerateToSgd` as given.
 *
 * State per parameter: `step`, `exp_avg`, `exp_avg_var`, and `max_exp_avg_var` with `amsgrad`.
 *
 * @throws ValueError as {@link Adam}.
 * @example
 * const opt = new AdaBelief(model.parameters(), { lr: 1e-3, weightDecay: new WeightDecay({ weightDecay: 1e-2 }) });
 */
export class AdaBelief<O extends AMSGradGroupOptions = AMSGradGroupOptions> extends LabmlRAdam<O> {
  /** Use RAdam's rectified update. */
  readonly rectify: boolean;

  constructor(params: ParamsInput, options: AdaBeliefOptions = {}, defaults: Record<string, unknown> = {}) {
    if (new.target === AdaBelief) rejectUnknownOptions('AdaBelief', options, ADABELIEF_OPTION_NAMES);
    super(params, { ...options, eps: options.eps ?? 1e-16, degeneratedToSgd: options.degenerateToSgd ?? true }, defaults);
    this.rectify = options.rectify ?? true;
  }

  protected override secondMoment(): SecondMoment {
    return BELIEF;
  }

  protected override stepParam(state: ParamState, group: ParamGroup<O>, grad: Tensor, param: Parameter): void {
    state.step = (state.step as number) + 1;
    if (this.rectify) this.rAdamUpdate(state, group, grad, param);
    else this.update(state, group, grad, param, 'adaptive');
  }
}
