import type { Parameter, Tensor } from '@tsoptim/core';
import { type ParamGroup, type ParamState, type ParamsInput, fragments, rejectUnknownOptions } from '@tsoptim/optim';
import { AMSGrad, type AMSGradGroupOptions, type AMSGradOptions } from './amsgrad.js';

/** Options of {@link RAdam}. */
export interface LabmlRAdamOptions extends AMSGradOptions {
  /** ε (default 1e-8 for LabmlRAdam, as labml). */
  eps?: number;
  /** Use AMSGrad's maximum (default false here). */
  amsgrad?: boolean;
  /** While r_t is intractable (ρ_t < 5), take an SGD-with-momentum step (default true) instead of none. */
  degeneratedToSgd?: boolean;
}

/** The options RAdam's constructor takes. */
const RADAM_OPTION_NAMES: readonly string[] = ['lr', 'betas', 'eps', 'weightDecay', 'optimizedUpdate', 'amsgrad', 'degeneratedToSgd'];

/**
 * Rectified Adam (Liu et al., "On the Variance of the Adaptive Learning Rate and Beyond",
 * https://arxiv.org/abs/1908.03265), labml's extension of {@link AMSGrad}. With ρ∞ = 2/(1−β₂) − 1 and
 * ρ_t = ρ∞ − 2tβ₂ᵗ/(1−β₂ᵗ):
 *
 *   ρ_t ≥ 5:  r_t = √((ρ_t−4)(ρ_t−2)ρ∞ / ((ρ∞−4)(ρ∞−2)ρ_t)),  Adam's update with its step size times r_t;
 *   ρ_t < 5:  θ ← θ − α/(1−β₁ᵗ) · m  when `degeneratedToSgd`, otherwise no update (the moments and a decoupled
 *             decay still apply, as in labml).
 *
 * The branch and r_t are host scalars of the step; the elementwise work stays one kernel pass.
 *
 * @throws ValueError as {@link Adam}.
 * @example
 * const opt = new LabmlRAdam(model.parameters(), { lr: 1e-3 });
 */
export class LabmlRAdam<O extends AMSGradGroupOptions = AMSGradGroupOptions> extends AMSGrad<O> {
  /** labml's `degenerated_to_sgd`. */
  readonly degeneratedToSgd: boolean;

  constructor(params: ParamsInput, options: LabmlRAdamOptions = {}, defaults: Record<string, unknown> = {}) {
    if (new.target === LabmlRAdam) rejectUnknownOptions('LabmlRAdam', options, RADAM_OPTION_NAMES);
    super(params, { ...options, eps: options.eps ?? 1e-8, amsgrad: options.amsgrad ?? false }, defaults);
    this.degeneratedToSgd = options.degeneratedToSgd ?? true;
  }

  /**
   * The rectification term r_t for β₂ at step t, or null while ρ_t < 5 (labml's `calc_rectification_term`;
   * r_t is defined from ρ_t > 4, labml keeps a margin).
   */
  static rectificationTerm(beta2: number, step: number): number | null {
    return fragments.radamRectification(beta2, step, true);
  }

  protected override stepParam(state: ParamState, group: ParamGroup<O>, grad: Tensor, param: Parameter): void {
    state.step = (state.step as number) + 1;
    this.rAdamUpdate(state, group, grad, param);
  }

  /** The rectified update of the step `state.step` (already incremented). */
  protected rAdamUpdate(state: ParamState, group: ParamGroup<O>, grad: Tensor, param: Parameter): void {
    const r = LabmlRAdam.rectificationTerm(group.betas[1], state.step as number);
    if (r !== null) this.update(state, group, grad, param, 'adaptive', r);
    else this.update(state, group, grad, param, this.degeneratedToSgd ? 'sgd' : 'none');
  }
}
