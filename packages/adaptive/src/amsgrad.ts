import { type ParamGroup, type ParamsInput, rejectUnknownOptions } from '@tsoptim/optim';
import { LabmlAdam, type LabmlAdamGroupOptions, type LabmlAdamOptions } from './adam.js';

/** Options of {@link AMSGrad}. */
export interface AMSGradOptions extends LabmlAdamOptions {
  /** Keep and use the running maximum of v (default true; false falls back to LabmlAdam). A group option. */
  amsgrad?: boolean;
}

/** The group options of {@link AMSGrad} and the classes built on it. */
export interface AMSGradGroupOptions extends LabmlAdamGroupOptions {
  amsgrad: boolean;
}

/** The options AMSGrad's constructor takes. */
const AMSGRAD_OPTION_NAMES: readonly string[] = ['lr', 'betas', 'eps', 'weightDecay', 'optimizedUpdate', 'amsgrad'];

/**
 * AMSGrad (Reddi et al., "On the Convergence of Adam and Beyond", https://arxiv.org/abs/1904.09237), labml's
 * extension of {@link Adam}: the update divides by the running maximum of the (uncorrected) second moment,
 *
 *   v_max ← max(v_max, v);  θ ← θ − α √(1−β₂ᵗ)/(1−β₁ᵗ) · m/(√v_max + ε),
 *
 * in the same single kernel pass. `amsgrad` is a group option; groups with `amsgrad: false` run LabmlAdam. State adds
 * `max_exp_avg_sq` (created when a group first steps with `amsgrad`).
 *
 * @throws ValueError as {@link Adam}.
 * @example
 * const opt = new AMSGrad(model.parameters(), { lr: 1e-2, betas: [0.9, 0.99] });
 */
export class AMSGrad<O extends AMSGradGroupOptions = AMSGradGroupOptions> extends LabmlAdam<O> {
  constructor(params: ParamsInput, options: AMSGradOptions = {}, defaults: Record<string, unknown> = {}) {
    if (new.target === AMSGrad) rejectUnknownOptions('AMSGrad', options, AMSGRAD_OPTION_NAMES);
    super(params, options, { ...defaults, amsgrad: options.amsgrad ?? true });
  }

  protected override usesMax(group: ParamGroup<O>): boolean {
    return group.amsgrad === true;
  }
}
