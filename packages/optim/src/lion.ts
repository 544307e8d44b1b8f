import { defineKernel, k, kernelFamily } from '@tsoptim/core';
import { defineAlgorithm, functionalForm } from './algorithm.js';
import { type DecayKind, preamble, preambleScalars, resolveDecay } from './kernels/decay.js';
import { descend, ema } from './kernels/moments.js';
import { type OptionsDecl, betasCheck, bool, defineOptions, float, nonNegative, pair } from './options.js';

/** Options of {@link Lion}; defaults as the authors' reference code. */
export interface LionOptions {
  /** Learning rate (default 1e-4; the paper suggests 3–10× smaller than AdamW's). */
  lr?: number;
  /** β₁ interpolates the update direction, β₂ the momentum (default [0.9, 0.99]). */
  betas?: readonly [number, number];
  /** Decoupled weight decay λ: θ ← θ·(1 − γλ) (default 0). */
  weightDecay?: number;
  /** Maximise the objective instead of minimising it (default false). */
  maximize?: boolean;
}

/** Lion's options, declared once: defaults, kinds, and the reference's checks (lr, betas, weight_decay). */
export const LION_OPTIONS: OptionsDecl<Required<LionOptions>> = defineOptions<Required<LionOptions>>('Lion', {
  lr: float(1e-4, nonNegative('Invalid learning rate')),
  betas: pair([0.9, 0.99], betasCheck),
  weightDecay: float(0, nonNegative('Invalid weight_decay value')),
  maximize: bool(false),
});

export const LION_DEFAULTS: Required<LionOptions> = LION_OPTIONS.defaults;

/** One pass per parameter: reads θ, g, m; writes θ, m. */
export const lionKernel = /*#__PURE__*/ kernelFamily((f: { maximize: boolean; decay: DecayKind }) =>
  defineKernel({
    name: 'lion',
    inputs: ['param', 'grad', 'expAvg'],
    scalars: ['lr', 'beta1', 'beta2', ...preambleScalars(f.decay)],
    outputs: ['param', 'expAvg'],
    body: ({ param, grad, expAvg }, s) => {
      const d = preamble({ param, grad }, s, f);
      const direction = k.sign(ema(expAvg, d.grad, s.beta1));
      return { param: descend(d.param, s.lr, direction), expAvg: ema(expAvg, d.grad, s.beta2) };
    },
  }),
);

/** Hyper-parameters of the functional {@link lion}. */
export interface LionStepOptions {
  lr: number;
  beta1: number;
  beta2: number;
  weightDecay: number;
  maximize: boolean;
}

const decayOf = (o: LionStepOptions): DecayKind => (o.weightDecay === 0 ? 'none' : 'decoupled');

/** Lion, declared once: options, state (`exp_avg` only: no step count, as the reference code), kernel, scalars. */
const LionAlgorithm = /*#__PURE__*/ defineAlgorithm({
  name: 'Lion',
  options: LION_OPTIONS,
  state: { step: false, tensors: ['exp_avg'] as const },
  stepOptions: (g): LionStepOptions => ({
    lr: g.lr,
    beta1: g.betas[0],
    beta2: g.betas[1],
    weightDecay: g.weightDecay,
    maximize: g.maximize,
  }),
  kernel: (o) => lionKernel({ maximize: o.maximize, decay: decayOf(o) }),
  scalars: (o) => ({ lr: o.lr, beta1: o.beta1, beta2: o.beta2, ...resolveDecay(decayOf(o), o.lr, o.weightDecay).scalars }),
});

/**
 * The Lion update on raw tensors, one fused pass per parameter:
 *
 *   c ← β₁m + (1−β₁)g;  θ ← θ(1 − γλ);  θ ← θ − γ·sign(c);  m ← β₂m + (1−β₂)g
 *
 * `lion(params, grads, expAvgs, options)`.
 */
export const lion = /*#__PURE__*/ functionalForm(LionAlgorithm);

/**
 * Lion, EvoLved Sign Momentum (Chen et al., "Symbolic Discovery of Optimization Algorithms",
 * https://arxiv.org/abs/2302.06675, Algorithm 2; google/automl `lion_pytorch.py`): the sign of an interpolation
 * of momentum and gradient, so every element moves by exactly γ; one state tensor instead of Adam's two.
 *
 * State per parameter: `exp_avg` (as the reference code; no step count).
 *
 * @throws ValueError `Invalid learning rate: …`, `Invalid beta parameter at index i: …`, `Invalid weight_decay value: …`.
 * @example
 * const opt = new Lion(model.parameters(), { lr: 1e-4, weightDecay: 1 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class Lion extends LionAlgorithm {}
