import { defineKernel, kernelFamily } from '@tsoptim/core';
import { defineAlgorithm, functionalForm } from './algorithm.js';
import { type DecayKind, decayKind, preamble, preambleScalars, resolveDecay } from './kernels/decay.js';
import { adamDenominator, adamMoments, adaptiveStep, descend } from './kernels/moments.js';
import { biasCorrection, radamRectification } from './kernels/scalars.js';
import type { BaseOptions } from './optimizer.js';
import { type OptionsDecl, betasCheck, baseSpecs, bool, float, nonNegative, pair, withoutFused, defineOptions } from './options.js';

/** Options of {@link RAdam}; defaults as torch.optim.RAdam. */
export interface RAdamOptions extends Omit<BaseOptions, 'fused'> {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Coefficients of the running averages of the gradient and its square (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps?: number;
  /** Weight decay (default 0): an L2 term added to the gradient, or decoupled when `decoupledWeightDecay`. */
  weightDecay?: number;
  /** Decay the parameter directly, θ ← θ·(1 − γλ), as AdamW does (RAdamW; default false). */
  decoupledWeightDecay?: boolean;
  /** Maximise the objective instead of minimising it (default false). */
  maximize?: boolean;
}

/** RAdam's options, declared once: defaults, kinds and torch's checks (in torch's order). */
export const RADAM_OPTIONS: OptionsDecl<Required<RAdamOptions>> = defineOptions<Required<RAdamOptions>>(
  'RAdam',
  {
    lr: float(1e-3, nonNegative('Invalid learning rate')),
    betas: pair([0.9, 0.999], betasCheck),
    eps: float(1e-8, nonNegative('Invalid epsilon value')),
    weightDecay: float(0, nonNegative('Invalid weight_decay value')),
    maximize: bool(false),
    ...withoutFused(baseSpecs({ fused: false })),
    decoupledWeightDecay: bool(false),
  },
  { order: ['lr', 'eps', 'betas', 'weightDecay'] },
);

export const RADAM_DEFAULTS: Required<RAdamOptions> = RADAM_OPTIONS.defaults;

type RAdamFlags = { maximize: boolean; decay: DecayKind; rectified: boolean };

/**
 * One pass per parameter: reads param, grad, exp_avg, exp_avg_sq; writes the three. Whether the step is
 * rectified (ρₜ > 5) is decided on the host; stepSize = γ/(1−β₁ᵗ) · rₜ·√(1−β₂ᵗ) when rectified, else γ/(1−β₁ᵗ).
 */
export const radamKernel = /*#__PURE__*/ kernelFamily((f: RAdamFlags) =>
  defineKernel({
    name: 'radam',
    inputs: ['param', 'grad', 'expAvg', 'expAvgSq'],
    scalars: ['beta1', 'beta2', 'eps', 'stepSize', ...preambleScalars(f.decay)],
    outputs: ['param', 'expAvg', 'expAvgSq'],
    body: ({ param, grad, expAvg, expAvgSq }, s) => {
      const d = preamble({ param, grad }, s, f);
      const { m, v } = adamMoments({ expAvg, expAvgSq }, d.grad, s.beta1, s.beta2);
      const p = f.rectified ? adaptiveStep(d.param, s.stepSize, m, adamDenominator(v, s.eps)) : descend(d.param, s.stepSize, m);
      return { param: p, expAvg: m, expAvgSq: v };
    },
  }),
);

/** Hyper-parameters of the functional {@link radam}. */
export interface RAdamStepOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  decoupledWeightDecay: boolean;
  maximize: boolean;
}

/**
 * RAdam, declared once: options, state (`step`, `exp_avg`, `exp_avg_sq`), and per step count whether the step is
 * rectified (the kernel) and its step size.
 */
const RAdamAlgorithm = /*#__PURE__*/ defineAlgorithm({
  name: 'RAdam',
  options: RADAM_OPTIONS,
  state: { step: true, tensors: ['exp_avg', 'exp_avg_sq'] },
  stepOptions: (g): RAdamStepOptions => ({
    lr: g.lr,
    beta1: g.betas[0],
    beta2: g.betas[1],
    eps: g.eps,
    weightDecay: g.weightDecay,
    decoupledWeightDecay: g.decoupledWeightDecay,
    maximize: g.maximize,
  }),
  kernel: (o, t) =>
    radamKernel({
      maximize: o.maximize,
      decay: decayKind(o.weightDecay, o.decoupledWeightDecay),
      rectified: radamRectification(o.beta2, t) !== null,
    }),
  scalars: (o, t) => {
    const r = radamRectification(o.beta2, t);
    const stepSize = o.lr / biasCorrection(o.beta1, t);
    return {
      beta1: o.beta1,
      beta2: o.beta2,
      eps: o.eps,
      stepSize: r === null ? stepSize : stepSize * r * Math.sqrt(biasCorrection(o.beta2, t)),
      ...resolveDecay(decayKind(o.weightDecay, o.decoupledWeightDecay), o.lr, o.weightDecay).scalars,
    };
  },
});

/**
 * The RAdam update on raw tensors (torch.optim's functional `radam`), one fused pass per parameter:
 *
 *   g ← ±∇ (+ λθ, or θ ← θ(1−γλ) when decoupled);  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;
 *   ρ∞ ← 2/(1−β₂) − 1;  ρₜ ← ρ∞ − 2tβ₂ᵗ/(1−β₂ᵗ);
 *   ρₜ > 5:  rₜ ← √((ρₜ−4)(ρₜ−2)ρ∞ / ((ρ∞−4)(ρ∞−2)ρₜ));  θ ← θ − γ · m/(1−β₁ᵗ) · rₜ √(1−β₂ᵗ)/(√v + ε)
 *   else:    θ ← θ − γ · m/(1−β₁ᵗ)
 *
 * `radam(params, grads, expAvgs, expAvgSqs, steps, options)`: `steps` holds the step number t (≥ 1) of each
 * parameter's update, already incremented.
 */
export const radam = /*#__PURE__*/ functionalForm(RAdamAlgorithm);

/**
 * RAdam, Adam with a rectified adaptive learning rate (Liu et al., "On the Variance of the Adaptive Learning
 * Rate and Beyond", https://arxiv.org/abs/1908.03265), as torch.optim.RAdam, with optional decoupled weight
 * decay (RAdamW, https://arxiv.org/abs/1711.05101):
 *
 *   g ← ±∇f(θ) (+ λθ, or θ ← θ(1−γλ) when decoupled);  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;
 *   ρ∞ ← 2/(1−β₂) − 1;  ρₜ ← ρ∞ − 2tβ₂ᵗ/(1−β₂ᵗ);
 *   ρₜ > 5:  θ ← θ − γ · m/(1−β₁ᵗ) · rₜ √(1−β₂ᵗ)/(√v + ε),  rₜ = √((ρₜ−4)(ρₜ−2)ρ∞ / ((ρ∞−4)(ρ∞−2)ρₜ))
 *   else:    θ ← θ − γ · m/(1−β₁ᵗ)
 *
 * State per parameter: `step`, `exp_avg` (m), `exp_avg_sq` (v).
 *
 * @throws ValueError `Invalid learning rate: …`, `Invalid epsilon value: …`, `Invalid beta parameter at index i: …`,
 * `Invalid weight_decay value: …`.
 * @example
 * const opt = new RAdam(model.parameters(), { lr: 1e-3 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class RAdam extends RAdamAlgorithm {}
