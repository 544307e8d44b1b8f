import { defineKernel, k, kernelFamily } from '@tsoptim/core';
import { defineAlgorithm, functionalForm } from './algorithm.js';
import { preamble, preambleScalars } from './kernels/decay.js';
import { adaptiveStep, ema } from './kernels/moments.js';
import { biasCorrection } from './kernels/scalars.js';
import type { BaseOptions } from './optimizer.js';
import { type OptionsDecl, baseSpecs, betasCheck, bool, defineOptions, float, nonNegative, pair, withoutFused } from './options.js';

/** Options of {@link Adamax}; defaults as torch.optim.Adamax. */
export interface AdamaxOptions extends Omit<BaseOptions, 'fused'> {
  /** Learning rate (default 2e-3). */
  lr?: number;
  /** Coefficients of the running average of the gradient and of the decayed infinity norm (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** Added to |g| inside the infinity norm for numerical stability (default 1e-8). */
  eps?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Maximise the objective instead of minimising it (default false). */
  maximize?: boolean;
}

/** Adamax's options, declared once: defaults, kinds and torch's checks (in torch's order). */
export const ADAMAX_OPTIONS: OptionsDecl<Required<AdamaxOptions>> = defineOptions<Required<AdamaxOptions>>(
  'Adamax',
  {
    lr: float(2e-3, nonNegative('Invalid learning rate')),
    betas: pair([0.9, 0.999], betasCheck),
    eps: float(1e-8, nonNegative('Invalid epsilon value')),
    weightDecay: float(0, nonNegative('Invalid weight_decay value')),
    ...withoutFused(baseSpecs({ fused: false })),
    maximize: bool(false),
  },
  { order: ['lr', 'eps', 'betas', 'weightDecay'] },
);

export const ADAMAX_DEFAULTS: Required<AdamaxOptions> = ADAMAX_OPTIONS.defaults;

/** One pass per parameter: reads param, grad, exp_avg, exp_inf; writes the three. clr = γ/(1−β₁ᵗ) on the host. */
export const adamaxKernel = /*#__PURE__*/ kernelFamily((f: { maximize: boolean; decay: boolean }) =>
  defineKernel({
    name: 'adamax',
    inputs: ['param', 'grad', 'expAvg', 'expInf'],
    scalars: ['beta1', 'beta2', 'eps', 'clr', ...preambleScalars(f.decay ? 'l2' : 'none')],
    outputs: ['param', 'expAvg', 'expInf'],
    body: ({ param, grad, expAvg, expInf }, s) => {
      const { grad: g } = preamble({ param, grad }, s, { maximize: f.maximize, decay: f.decay ? 'l2' : 'none' });
      const m = ema(expAvg, g, s.beta1);
      const u = k.max(k.mul(s.beta2, expInf), k.add(k.abs(g), s.eps));
      return { param: adaptiveStep(param, s.clr, m, u), expAvg: m, expInf: u };
    },
  }),
);

/** Hyper-parameters of the functional {@link adamax}. */
export interface AdamaxStepOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

/** Adamax, declared once: options, state (`step`, `exp_avg`, `exp_inf`), kernel, and clr = γ/(1−β₁ᵗ) per step count. */
const AdamaxAlgorithm = /*#__PURE__*/ defineAlgorithm({
  name: 'Adamax',
  options: ADAMAX_OPTIONS,
  state: { step: true, tensors: ['exp_avg', 'exp_inf'] as const },
  stepOptions: (g): AdamaxStepOptions => ({
    lr: g.lr,
    beta1: g.betas[0],
    beta2: g.betas[1],
    eps: g.eps,
    weightDecay: g.weightDecay,
    maximize: g.maximize,
  }),
  kernel: (o) => adamaxKernel({ maximize: o.maximize, decay: o.weightDecay !== 0 }),
  scalars: (o, t) => ({ beta1: o.beta1, beta2: o.beta2, eps: o.eps, decayCoef: o.weightDecay, clr: o.lr / biasCorrection(o.beta1, t) }),
});

/**
 * The Adamax update on raw tensors (torch.optim's functional `adamax`), one fused pass per parameter:
 *
 *   g ← ±∇ + λθ;  m ← β₁m + (1−β₁)g;  u ← max(β₂u, |g| + ε);  θ ← θ − γ/(1−β₁ᵗ) · m/u
 *
 * `adamax(params, grads, expAvgs, expInfs, steps, options)`: `steps` holds the step number t (≥ 1) of each
 * parameter's update, already incremented.
 */
export const adamax = /*#__PURE__*/ functionalForm(AdamaxAlgorithm);

/**
 * Adamax, the infinity-norm variant of Adam (Kingma & Ba, "Adam: A Method for Stochastic Optimization", section
 * 7.1, https://arxiv.org/abs/1412.6980), as torch.optim.Adamax:
 *
 *   g ← ±∇f(θ) + λθ;  m ← β₁m + (1−β₁)g;  u ← max(β₂u, |g| + ε);  θ ← θ − γ/(1−β₁ᵗ) · m/u
 *
 * State per parameter: `step`, `exp_avg` (m), `exp_inf` (u).
 *
 * @throws ValueError `Invalid learning rate: …`, `Invalid epsilon value: …`, `Invalid beta parameter at index i: …`,
 * `Invalid weight_decay value: …`.
 * @example
 * const opt = new Adamax(model.parameters(), { lr: 2e-3 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class Adamax extends AdamaxAlgorithm {}
