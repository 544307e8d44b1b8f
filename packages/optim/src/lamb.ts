import { defineKernel, k, normReduction, zeros } from '@tsoptim/core';
import { defineAlgorithm, functionalForm } from './algorithm.js';
import { adamDenominator, adamMoments, descend } from './kernels/moments.js';
import { adamScalars } from './kernels/scalars.js';
import { type OptionsDecl, betasCheck, defineOptions, float, nonNegative, pair } from './options.js';

/** Options of {@link LAMB}; defaults as the paper's Algorithm 2 (weight decay off unless asked). */
export interface LAMBOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Coefficients of the running averages of the gradient and its square (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** Added to the denominator for numerical stability (default 1e-6). */
  eps?: number;
  /** λ, added to the update direction before the trust ratio is taken: u = m̂/(√v̂ + ε) + λθ (default 0). */
  weightDecay?: number;
}

/** LAMB's options, declared once: defaults, kinds, and Adam's checks in torch's order (lr, eps, betas, weight_decay). */
export const LAMB_OPTIONS: OptionsDecl<Required<LAMBOptions>> = defineOptions<Required<LAMBOptions>>(
  'LAMB',
  {
    lr: float(1e-3, nonNegative('Invalid learning rate')),
    betas: pair([0.9, 0.999], betasCheck),
    eps: float(1e-6, nonNegative('Invalid epsilon value')),
    weightDecay: float(0, nonNegative('Invalid weight_decay value')),
  },
  { order: ['lr', 'eps', 'betas', 'weightDecay'] },
);

export const LAMB_DEFAULTS: Required<LAMBOptions> = LAMB_OPTIONS.defaults;

/**
 * First pass per parameter: the moments and the update direction u = m̂/(√v̂ + ε) + λθ, written to a scratch
 * tensor whose norm is taken next. Reads θ, g, m, v; writes m, v, u.
 */
export const lambDirectionKernel = /*#__PURE__*/ defineKernel({
  name: 'lamb_direction',
  inputs: ['param', 'grad', 'expAvg', 'expAvgSq'],
  scalars: ['beta1', 'beta2', 'eps', 'weightDecay', 'invBc1', 'invBc2Sqrt'],
  outputs: ['expAvg', 'expAvgSq', 'update'],
  body: ({ param, grad, expAvg, expAvgSq }, s) => {
    const { m, v } = adamMoments({ expAvg, expAvgSq }, grad, s.beta1, s.beta2);
    const u = k.add(k.div(k.mul(m, s.invBc1), adamDenominator(v, s.eps, s.invBc2Sqrt)), k.mul(s.weightDecay, param));
    return { expAvg: m, expAvgSq: v, update: u };
  },
});

/** Second pass: θ ← θ − γ·r·u with the trust ratio r = ‖θ‖/‖u‖ (1 when either norm is 0), norms broadcast. */
export const lambApplyKernel = /*#__PURE__*/ defineKernel({
  name: 'lamb_apply',
  inputs: ['param', 'update', 'paramNorm', 'updateNorm'],
  scalars: ['lr'],
  outputs: ['param'],
  body: ({ param, update, paramNorm, updateNorm }, s) => {
    const both = k.and(k.gt(paramNorm, 0), k.gt(updateNorm, 0));
    const trust = k.select(both, k.div(paramNorm, updateNorm), 1);
    return { param: descend(param, k.mul(s.lr, trust), update) };
  },
});

/** Hyper-parameters of the functional {@link lamb}. */
export interface LAMBStepOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/**
 * LAMB, declared once: options, state (`step`, `exp_avg`, `exp_avg_sq`), and the update of one parameter: one pass
 * for the moments and the direction u, two norm reductions (‖θ‖, ‖u‖, on the backend: nothing is read back), one
 * pass for θ ← θ − γ·(‖θ‖/‖u‖)·u.
 */
const LAMBAlgorithm = /*#__PURE__*/ defineAlgorithm({
  name: 'LAMB',
  options: LAMB_OPTIONS,
  state: { step: true, tensors: ['exp_avg', 'exp_avg_sq'] },
  stepOptions: (g): LAMBStepOptions => ({ lr: g.lr, beta1: g.betas[0], beta2: g.betas[1], eps: g.eps, weightDecay: g.weightDecay }),
  update: (param, grad, { expAvg, expAvgSq }, t, o) => {
    const backend = param.backend;
    const { stepSize, invBc2Sqrt } = adamScalars(1, o.beta1, o.beta2, t);
    const update = zeros(param.shape, { backend });
    const paramNorm = zeros([], { backend });
    const updateNorm = zeros([], { backend });
    backend.run(lambDirectionKernel, {
      tensors: { param, grad, expAvg: expAvg!, expAvgSq: expAvgSq!, update },
      scalars: { beta1: o.beta1, beta2: o.beta2, eps: o.eps, weightDecay: o.weightDecay, invBc1: stepSize, invBc2Sqrt },
    });
    backend.reduce(normReduction, { tensors: { x: param }, out: paramNorm });
    backend.reduce(normReduction, { tensors: { x: update }, out: updateNorm });
    backend.run(lambApplyKernel, { tensors: { param, update, paramNorm, updateNorm }, scalars: { lr: o.lr } });
    update.dispose();
    paramNorm.dispose();
    updateNorm.dispose();
  },
});

/**
 * The LAMB update on raw tensors: per parameter, one pass for the moments and the direction u, two norm
 * reductions (‖θ‖, ‖u‖, on the backend: nothing is read back), one pass for θ ← θ − γ·(‖θ‖/‖u‖)·u.
 *
 * `lamb(params, grads, expAvgs, expAvgSqs, steps, options)`: `steps` holds the step number t (≥ 1) of each
 * parameter, already incremented.
 */
export const lamb = /*#__PURE__*/ functionalForm(LAMBAlgorithm);

/**
 * LAMB (You et al., "Large Batch Optimization for Deep Learning: Training BERT in 76 minutes",
 * https://arxiv.org/abs/1904.00962, Algorithm 2): Adam's direction with bias correction, plus λθ, scaled per
 * tensor by the trust ratio ‖θ‖/‖u‖ so that each layer moves by γ relative to its own norm:
 *
 *   m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  u = m̂/(√v̂ + ε) + λθ;  θ ← θ − γ·(‖θ‖/‖u‖)·u
 *
 * The ratio is 1 when either norm is 0 (as TensorFlow Addons' LAMB). State per parameter: `step`, `exp_avg`,
 * `exp_avg_sq`.
 *
 * @throws ValueError `Invalid learning rate: …`, `Invalid epsilon value: …`, `Invalid beta parameter at index i: …`,
 * `Invalid weight_decay value: …`.
 * @example
 * const opt = new LAMB(model.parameters(), { lr: 1e-3, weightDecay: 0.01 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class LAMB extends LAMBAlgorithm {}
