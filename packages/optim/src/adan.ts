import { defineKernel, k, kernelFamily } from '@tsoptim/core';
import { defineAlgorithm, functionalForm } from './algorithm.js';
import { decayAfter, preamble, preambleScalars, resolveDecay } from './kernels/decay.js';
import { adamDenominator, descend, ema, sq } from './kernels/moments.js';
import { biasCorrection } from './kernels/scalars.js';
import { type OptionsDecl, betasCheck, bool, defineOptions, float, nonNegative, pyFloat } from './options.js';

/** Options of {@link Adan}; defaults as the authors' reference code. */
export interface AdanOptions {
  /** Learning rate γ (default 1e-3). */
  lr?: number;
  /**
   * β₁ averages the gradient, β₂ the gradient's difference from the previous step, β₃ the squared Nesterov term
   * (default [0.98, 0.92, 0.99]: the reference code's convention, the paper's 1 − β).
   */
  betas?: readonly [number, number, number];
  /** Added to the denominator (default 1e-8). */
  eps?: number;
  /** Weight decay λ, decoupled: proximal θ/(1 + γλ) after the step, or θ(1 − γλ) before it with `noProx` (default 0). */
  weightDecay?: number;
  /** Decay as θ(1 − γλ) before the step instead of the proximal θ/(1 + γλ) after it (default false). */
  noProx?: boolean;
}

/** The reference's beta check, over three betas: `Invalid beta parameter at index i: …` unless 0 ≤ βᵢ < 1. */
function adanBetasCheck(v: readonly [number, number, number]): string | undefined {
  const b3 = v[2];
  return betasCheck([v[0], v[1]]) ?? (b3 >= 0 && b3 < 1 ? undefined : `Invalid beta parameter at index 2: ${pyFloat(b3)}`);
}

/**
 * Adan's options, declared once: defaults, kinds, and the reference's checks in its order (lr, eps, betas), then
 * weight_decay (refused when negative, as torch.optim's algorithms; the reference code does not check it).
 */
export const ADAN_OPTIONS: OptionsDecl<Required<AdanOptions>> = defineOptions<Required<AdanOptions>>(
  'Adan',
  {
    lr: float(1e-3, nonNegative('Invalid learning rate')),
    betas: { default: [0.98, 0.92, 0.99], kind: { type: 'tuple', length: 3 }, check: adanBetasCheck },
    eps: float(1e-8, nonNegative('Invalid epsilon value')),
    weightDecay: float(0, nonNegative('Invalid weight_decay value')),
    noProx: bool(false),
  },
  { order: ['lr', 'eps', 'betas', 'weightDecay'] },
);

export const ADAN_DEFAULTS: Required<AdanOptions> = ADAN_OPTIONS.defaults;

/** How Adan decays: not at all, θ(1 − γλ) before the step (`noProx`), or θ/(1 + γλ) after it (proximal). */
type AdanDecay = 'none' | 'decoupled' | 'prox';

/** One pass per parameter: reads θ, g, m, n, the averaged difference and −g_prev; writes all five. */
export const adanKernel = /*#__PURE__*/ kernelFamily((f: { decay: AdanDecay }) => {
  const before = f.decay === 'decoupled' ? 'decoupled' : 'none';
  return defineKernel({
    name: `adan_${f.decay}`,
    inputs: ['param', 'grad', 'expAvg', 'expAvgSq', 'expAvgDiff', 'negPreGrad'],
    scalars: [
      'beta1',
      'beta2',
      'beta3',
      'eps',
      'stepSize',
      'stepSizeDiff',
      'invBc3Sqrt',
      'firstStep',
      ...preambleScalars(before),
      ...(f.decay === 'prox' ? ['proxCoef'] : []),
    ],
    outputs: ['param', 'expAvg', 'expAvgSq', 'expAvgDiff', 'negPreGrad'],
    body: ({ param, grad, expAvg, expAvgSq, expAvgDiff, negPreGrad }, s) => {
      const d = preamble({ param, grad }, s, { decay: before });
      // g − g_prev; 0 at the first step (the reference starts −g_prev from −g).
      const diff = k.mul(k.sub(1, s.firstStep!), k.add(negPreGrad, d.grad));
      const m = ema(expAvg, d.grad, s.beta1);
      const avgDiff = ema(expAvgDiff, diff, s.beta2);
      const n = ema(expAvgSq, sq(k.add(k.mul(s.beta2, diff), d.grad)), s.beta3);
      const inv = k.div(1, adamDenominator(n, s.eps, s.invBc3Sqrt));
      const stepped = descend(descend(d.param, s.stepSize, k.mul(m, inv)), s.stepSizeDiff, k.mul(avgDiff, inv));
      return {
        param: f.decay === 'prox' ? decayAfter(stepped, s.proxCoef!) : stepped,
        expAvg: m,
        expAvgSq: n,
        expAvgDiff: avgDiff,
        negPreGrad: k.neg(d.grad),
      };
    },
  });
});

/** Hyper-parameters of the functional {@link adan}. */
export interface AdanStepOptions {
  lr: number;
  beta1: number;
  beta2: number;
  beta3: number;
  eps: number;
  weightDecay: number;
  noProx: boolean;
}

const decayOf = (o: AdanStepOptions): AdanDecay => (o.weightDecay === 0 ? 'none' : o.noProx ? 'decoupled' : 'prox');

/** Adan, declared once: options, state (a step count and four tensors, in the reference code's order), kernel, scalars. */
const AdanAlgorithm = /*#__PURE__*/ defineAlgorithm({
  name: 'Adan',
  options: ADAN_OPTIONS,
  state: { step: true, tensors: ['exp_avg', 'exp_avg_sq', 'exp_avg_diff', 'neg_pre_grad'] as const },
  stepOptions: (g): AdanStepOptions => ({
    lr: g.lr,
    beta1: g.betas[0],
    beta2: g.betas[1],
    beta3: g.betas[2],
    eps: g.eps,
    weightDecay: g.weightDecay,
    noProx: g.noProx,
  }),
  kernel: (o) => adanKernel({ decay: decayOf(o) }),
  scalars: (o, t) => {
    const decay = decayOf(o);
    return {
      beta1: o.beta1,
      beta2: o.beta2,
      beta3: o.beta3,
      eps: o.eps,
      stepSize: o.lr / biasCorrection(o.beta1, t),
      stepSizeDiff: (o.lr * o.beta2) / biasCorrection(o.beta2, t),
      invBc3Sqrt: 1 / Math.sqrt(biasCorrection(o.beta3, t)),
      firstStep: t === 1 ? 1 : 0,
      ...(decay === 'decoupled' ? resolveDecay('decoupled', o.lr, o.weightDecay).scalars : {}),
      // θ/(1 + γλ) = θ − θ·γλ/(1 + γλ)
      ...(decay === 'prox' ? { proxCoef: (o.lr * o.weightDecay) / (1 + o.lr * o.weightDecay) } : {}),
    };
  },
});

/**
 * The Adan update on raw tensors, one fused pass per parameter (d = g − g_prev, 0 at the first step):
 *
 *   m ← β₁m + (1−β₁)g;  δ ← β₂δ + (1−β₂)d;  n ← β₃n + (1−β₃)(g + β₂d)²;  r = 1/(√n/√(1−β₃ᵗ) + ε);
 *   θ ← θ − γ/(1−β₁ᵗ)·m·r − γβ₂/(1−β₂ᵗ)·δ·r, then θ/(1 + γλ) (or θ(1 − γλ) first with `noProx`)
 *
 * `adan(params, grads, expAvgs, expAvgSqs, expAvgDiffs, negPreGrads, steps, options)`; each step count is the one
 * being taken (incremented before the call).
 */
export const adan = /*#__PURE__*/ functionalForm(AdanAlgorithm);

/**
 * Adan, ADAptive Nesterov momentum (Xie et al., "Adan: Adaptive Nesterov Momentum Algorithm for Faster Optimizing
 * Deep Models", https://arxiv.org/abs/2208.06677, Algorithm 1; sail-sg/Adan `adan.py`, the single-tensor path):
 * Adam-like moments of the gradient, of its difference from the previous step and of the Nesterov term g + β₂d,
 * with bias corrections as the reference code, and decoupled weight decay, proximal by default.
 *
 * State per parameter: `step`, `exp_avg`, `exp_avg_sq`, `exp_avg_diff`, `neg_pre_grad` (−g of the last step). The
 * reference code counts steps per group; here per parameter, as torch.optim's algorithms (the same count whenever
 * every parameter of a group has a gradient at every step). Its `max_grad_norm` (global gradient clipping) is not
 * an option: clip the gradients before `step()`.
 *
 * @throws ValueError `Invalid learning rate: …`, `Invalid epsilon value: …`, `Invalid beta parameter at index i: …`,
 * `Invalid weight_decay value: …`.
 * @example
 * const opt = new Adan(model.parameters(), { lr: 1e-3, weightDecay: 0.02 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class Adan extends AdanAlgorithm {}
