import { defineKernel, type k, kernelFamily } from '@tsoptim/core';
import { defineAlgorithm, functionalForm } from './algorithm.js';
import { type DecayKind, decayKind, preamble, preambleScalars, resolveDecay } from './kernels/decay.js';
import { adamDenominator, adamMoments, adaptiveStep } from './kernels/moments.js';
import { adamScalars } from './kernels/scalars.js';
import { type OptionsDecl, baseSpecs, betasCheck, bool, defineOptions, float, nonNegative, pair } from './options.js';
import type { BaseOptions } from './optimizer.js';

/** Options of {@link Adam}; defaults as torch.optim.Adam. */
export interface AdamOptions extends BaseOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Coefficients of the running averages of the gradient and its square (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps?: number;
  /** Weight decay (default 0): an L2 term added to the gradient, or decoupled (AdamW) when `decoupledWeightDecay`. */
  weightDecay?: number;
  /** Use the AMSGrad variant (default false). */
  amsgrad?: boolean;
  /** Maximise the objective instead of minimising it (default false). */
  maximize?: boolean;
  /** Decay the parameter directly, θ ← θ·(1 − γλ), as AdamW does (default false). */
  decoupledWeightDecay?: boolean;
}

/** Adam's options, declared once: defaults, kinds, and torch's checks in torch's order (lr, eps, betas, weight_decay). */
export const ADAM_OPTIONS: OptionsDecl<Required<AdamOptions>> = defineOptions<Required<AdamOptions>>(
  'Adam',
  {
    lr: float(1e-3, nonNegative('Invalid learning rate')),
    betas: pair([0.9, 0.999], betasCheck),
    eps: float(1e-8, nonNegative('Invalid epsilon value')),
    weightDecay: float(0, nonNegative('Invalid weight_decay value')),
    amsgrad: bool(false),
    maximize: bool(false),
    ...baseSpecs({ fused: true }),
    decoupledWeightDecay: bool(false),
  },
  { order: ['lr', 'eps', 'betas', 'weightDecay'] },
);

export const ADAM_DEFAULTS: Required<AdamOptions> = ADAM_OPTIONS.defaults;

type AdamFlags = { maximize: boolean; decay: DecayKind; amsgrad: boolean };

/**
 * One pass per parameter: 4 loads and 3 stores (5 and 4 with AMSGrad). Bias corrections are folded into
 * host scalars: stepSize = γ/(1−β₁ᵗ), invBc2Sqrt = 1/√(1−β₂ᵗ).
 */
export const adamKernel = /*#__PURE__*/ kernelFamily((f: AdamFlags) =>
  defineKernel({
    name: 'adam',
    inputs: f.amsgrad ? ['param', 'grad', 'expAvg', 'expAvgSq', 'maxExpAvgSq'] : ['param', 'grad', 'expAvg', 'expAvgSq'],
    scalars: ['beta1', 'beta2', 'eps', 'stepSize', 'invBc2Sqrt', ...preambleScalars(f.decay)],
    outputs: f.amsgrad ? ['param', 'expAvg', 'expAvgSq', 'maxExpAvgSq'] : ['param', 'expAvg', 'expAvgSq'],
    body: (t, s) => {
      const ins = t as Record<string, k.Expr>;
      const { param, grad } = preamble({ param: ins.param!, grad: ins.grad! }, s, f);
      const state = { expAvg: ins.expAvg!, expAvgSq: ins.expAvgSq!, maxExpAvgSq: ins.maxExpAvgSq };
      const { m, v, vHat } = adamMoments(state, grad, s.beta1, s.beta2, { amsgrad: f.amsgrad });
      const out: Record<string, k.Expr> = {
        param: adaptiveStep(param, s.stepSize, m, adamDenominator(vHat, s.eps, s.invBc2Sqrt)),
        expAvg: m,
        expAvgSq: v,
      };
      if (f.amsgrad) out.maxExpAvgSq = vHat;
      return out as never;
    },
  }),
);

/** Hyper-parameters of the functional {@link adam}. */
export interface AdamStepOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
  decoupledWeightDecay: boolean;
}

/**
 * Adam, declared once: options, state (`step`, `exp_avg`, `exp_avg_sq`, and `max_exp_avg_sq` with AMSGrad),
 * kernel, and host scalars once per distinct step count: stepSize = γ/(1−β₁ᵗ), invBc2Sqrt = 1/√(1−β₂ᵗ).
 */
const AdamAlgorithm = /*#__PURE__*/ defineAlgorithm({
  name: 'Adam',
  options: ADAM_OPTIONS,
  state: { step: true, tensors: ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'], optional: ['max_exp_avg_sq'] },
  stepOptions: (g): AdamStepOptions => ({
    lr: g.lr,
    beta1: g.betas[0],
    beta2: g.betas[1],
    eps: g.eps,
    weightDecay: g.weightDecay,
    amsgrad: g.amsgrad,
    maximize: g.maximize,
    decoupledWeightDecay: g.decoupledWeightDecay,
  }),
  uses: (o) => (o.amsgrad ? ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] : ['exp_avg', 'exp_avg_sq']),
  kernel: (o) => adamKernel({ maximize: o.maximize, decay: decayKind(o.weightDecay, o.decoupledWeightDecay), amsgrad: o.amsgrad }),
  scalars: (o, t) => ({
    beta1: o.beta1,
    beta2: o.beta2,
    eps: o.eps,
    ...adamScalars(o.lr, o.beta1, o.beta2, t),
    ...resolveDecay(decayKind(o.weightDecay, o.decoupledWeightDecay), o.lr, o.weightDecay).scalars,
  }),
});

/**
 * The Adam update on raw tensors (torch.optim's functional `adam`), one fused pass per parameter:
 *
 *   g ← ±∇ (+ λθ, or θ ← θ(1−γλ) when decoupled);  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;
 *   v̂ ← max(v̂, v) (AMSGrad);  θ ← θ − γ/(1−β₁ᵗ) · m / (√v̂ /√(1−β₂ᵗ) + ε)
 *
 * `adam(params, grads, expAvgs, expAvgSqs, maxExpAvgSqs, steps, options)`: `steps` holds the step number t
 * (≥ 1) of each parameter's update, already incremented; `maxExpAvgSqs` is used only when `amsgrad`.
 */
export const adam = /*#__PURE__*/ functionalForm(AdamAlgorithm);

/**
 * Adam (Kingma & Ba, "Adam: A Method for Stochastic Optimization", https://arxiv.org/abs/1412.6980) with
 * AMSGrad (Reddi et al., "On the Convergence of Adam and Beyond", https://openreview.net/forum?id=ryQu7f-RZ),
 * as torch.optim.Adam, including `decoupledWeightDecay` (AdamW's decay).
 *
 * State per parameter: `step`, `exp_avg`, `exp_avg_sq`, and `max_exp_avg_sq` with AMSGrad.
 *
 * @throws ValueError `Invalid learning rate: …`, `Invalid epsilon value: …`, `Invalid beta parameter at index i: …`,
 * `Invalid weight_decay value: …`.
 * @example
 * const opt = new Adam(model.parameters(), { lr: 1e-3 });
 * for (const batch of data) { opt.zeroGrad(); loss(batch).backward(); opt.step(); }
 */
export class Adam extends AdamAlgorithm {}
