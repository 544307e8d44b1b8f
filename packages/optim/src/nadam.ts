import { defineKernel, k, kernelFamily } from '@tsoptim/core';
import { defineAlgorithm, functionalForm } from './algorithm.js';
import { type DecayKind, decayKind, preamble, preambleScalars } from './kernels/decay.js';
import { adamDenominator, adamMoments } from './kernels/moments.js';
import { biasCorrection } from './kernels/scalars.js';
import type { BaseOptions } from './optimizer.js';
import { type OptionsDecl, betasCheck, baseSpecs, bool, float, nonNegative, pair, withoutFused, defineOptions } from './options.js';

/** Options of {@link NAdam}; defaults as torch.optim.NAdam. */
export interface NAdamOptions extends Omit<BaseOptions, 'fused'> {
  /** Learning rate (default 2e-3). */
  lr?: number;
  /** Coefficients of the running averages of the gradient and its square (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps?: number;
  /** Weight decay (default 0): an L2 term added to the gradient, or decoupled when `decoupledWeightDecay`. */
  weightDecay?: number;
  /** Momentum decay ψ of the momentum schedule μₜ = β₁(1 − ½·0.96^(tψ)) (default 4e-3). */
  momentumDecay?: number;
  /** Decay the parameter directly, θ ← θ·(1 − γλ), as AdamW does (NAdamW; default false). */
  decoupledWeightDecay?: boolean;
  /** Maximise the objective instead of minimising it (default false). */
  maximize?: boolean;
}

/** NAdam's options, declared once: defaults, kinds and torch's checks (in torch's order). */
export const NADAM_OPTIONS: OptionsDecl<Required<NAdamOptions>> = defineOptions<Required<NAdamOptions>>(
  'NAdam',
  {
    lr: float(2e-3, nonNegative('Invalid learning rate')),
    betas: pair([0.9, 0.999], betasCheck),
    eps: float(1e-8, nonNegative('Invalid epsilon value')),
    weightDecay: float(0, nonNegative('Invalid weight_decay value')),
    momentumDecay: float(4e-3, nonNegative('Invalid momentum_decay value')),
    decoupledWeightDecay: bool(false),
    maximize: bool(false),
    ...withoutFused(baseSpecs({ fused: false })),
  },
  { order: ['lr', 'eps', 'betas', 'weightDecay', 'momentumDecay'] },
);

export const NADAM_DEFAULTS: Required<NAdamOptions> = NADAM_OPTIONS.defaults;

/**
 * One pass per parameter: reads param, grad, exp_avg, exp_avg_sq; writes the three. The momentum schedule and
 * bias corrections are host scalars: cGrad = γ(1−μₜ)/(1−Πμ), cAvg = γμₜ₊₁/(1−Πμ·μₜ₊₁), invBc2Sqrt = 1/√(1−β₂ᵗ).
 */
export const nadamKernel = /*#__PURE__*/ kernelFamily((f: { maximize: boolean; decay: DecayKind }) =>
  defineKernel({
    name: 'nadam',
    inputs: ['param', 'grad', 'expAvg', 'expAvgSq'],
    scalars: ['beta1', 'beta2', 'eps', 'cGrad', 'cAvg', 'invBc2Sqrt', ...preambleScalars(f.decay)],
    outputs: ['param', 'expAvg', 'expAvgSq'],
    body: ({ param, grad, expAvg, expAvgSq }, s) => {
      const { param: p, grad: g } = preamble({ param, grad }, s, f);
      const { m, v } = adamMoments({ expAvg, expAvgSq }, g, s.beta1, s.beta2);
      const denom = adamDenominator(v, s.eps, s.invBc2Sqrt);
      return {
        param: k.sub(p, k.div(k.add(k.mul(s.cGrad, g), k.mul(s.cAvg, m)), denom)),
        expAvg: m,
        expAvgSq: v,
      };
    },
  }),
);

/** Hyper-parameters of the functional {@link nadam}. */
export interface NAdamStepOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  momentumDecay: number;
  decoupledWeightDecay: boolean;
  maximize: boolean;
}

/**
 * NAdam, declared once: options, state (`step`, `mu_product` on the host, `exp_avg`, `exp_avg_sq`), kernel, and per
 * parameter the momentum schedule μₜ, μₜ₊₁ and Πμ ← Πμ·μₜ, folded into cGrad and cAvg.
 */
const NAdamAlgorithm = /*#__PURE__*/ defineAlgorithm({
  name: 'NAdam',
  options: NADAM_OPTIONS,
  state: { step: true, tensors: ['exp_avg', 'exp_avg_sq'], numbers: ['mu_product'], initial: { mu_product: () => 1 } },
  stepOptions: (g): NAdamStepOptions => ({
    lr: g.lr,
    beta1: g.betas[0],
    beta2: g.betas[1],
    eps: g.eps,
    weightDecay: g.weightDecay,
    momentumDecay: g.momentumDecay,
    decoupledWeightDecay: g.decoupledWeightDecay,
    maximize: g.maximize,
  }),
  kernel: (o) => nadamKernel({ maximize: o.maximize, decay: decayKind(o.weightDecay, o.decoupledWeightDecay) }),
  scalars: (o, t, s) => {
    const mu = o.beta1 * (1 - 0.5 * 0.96 ** (t * o.momentumDecay));
    const muNext = o.beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * o.momentumDecay));
    const muProduct = (s.mu_product as number) * mu;
    s.mu_product = muProduct;
    return {
      beta1: o.beta1,
      beta2: o.beta2,
      eps: o.eps,
      cGrad: (o.lr * (1 - mu)) / (1 - muProduct),
      cAvg: (o.lr * muNext) / (1 - muProduct * muNext),
      invBc2Sqrt: 1 / Math.sqrt(biasCorrection(o.beta2, t)),
      // The preamble's scalars of either decay (the kernel reads the one it has): resolveDecay without its objects,
      // as this runs per parameter.
      decayCoef: o.weightDecay,
      decayFactor: 1 - o.lr * o.weightDecay,
    };
  },
});

/**
 * The NAdam update on raw tensors (torch.optim's functional `nadam`), one fused pass per parameter:
 *
 *   g ← ±∇ (+ λθ, or θ ← θ(1−γλ) when decoupled);  μₜ ← β₁(1 − ½·0.96^(tψ));  Πμ ← Πμ·μₜ;
 *   m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;
 *   θ ← θ − γ [ (1−μₜ)/(1−Πμ) · g + μₜ₊₁/(1−Πμ·μₜ₊₁) · m ] / (√(v/(1−β₂ᵗ)) + ε)
 *
 * `nadam(params, grads, expAvgs, expAvgSqs, muProducts, steps, options)`: `muProducts` holds Πμ per parameter,
 * replaced by Πμ·μₜ; `steps` the step number t (≥ 1) of each parameter's update, already incremented.
 */
export const nadam = /*#__PURE__*/ functionalForm(NAdamAlgorithm);

/**
 * NAdam, Adam with Nesterov momentum (Dozat, "Incorporating Nesterov Momentum into Adam",
 * https://openreview.net/forum?id=OM0jvwB8jIp57ZJjtNEZ), as torch.optim.NAdam, with the momentum schedule
 * μₜ = β₁(1 − ½·0.96^(tψ)) and optional decoupled weight decay (NAdamW,
 * https://arxiv.org/abs/1711.05101):
 *
 *   g ← ±∇f(θ) (+ λθ, or θ ← θ(1−γλ) when decoupled);  Πμ ← Πμ·μₜ;
 *   m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;
 *   θ ← θ − γ [ (1−μₜ)/(1−Πμ) · g + μₜ₊₁/(1−Πμ·μₜ₊₁) · m ] / (√(v/(1−β₂ᵗ)) + ε)
 *
 * State per parameter: `step`, `mu_product` (Πμ), `exp_avg` (m), `exp_avg_sq` (v).
 *
 * @throws ValueError `Invalid learning rate: …`, `Invalid epsilon value: …`, `Invalid beta parameter at index i: …`,
 * `Invalid weight_decay value: …`, `Invalid momentum_decay value: …`.
 * @example
 * const opt = new NAdam(model.parameters(), { lr: 2e-3, weightDecay: 1e-2, decoupledWeightDecay: true });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class NAdam extends NAdamAlgorithm {}
