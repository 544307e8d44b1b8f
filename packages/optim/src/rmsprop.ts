import { defineKernel, k, kernelFamily } from '@tsoptim/core';
import { defineAlgorithm, functionalForm } from './algorithm.js';
import { preamble } from './kernels/decay.js';
import { descend, ema, sq } from './kernels/moments.js';
import type { BaseOptions } from './optimizer.js';
import { type OptionsDecl, baseSpecs, bool, float, nonNegative, withoutFused, defineOptions } from './options.js';

/** Options of {@link RMSprop}; defaults as torch.optim.RMSprop. */
export interface RMSpropOptions extends Omit<BaseOptions, 'fused'> {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Smoothing constant of the running averages (default 0.99). */
  alpha?: number;
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps?: number;
  /** Normalise by the estimated variance of the gradient instead of its second moment (default false). */
  centered?: boolean;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Maximise the objective instead of minimising it (default false). */
  maximize?: boolean;
}

/** RMSprop's options, declared once: defaults, kinds and torch's checks (in torch's order). */
export const RMSPROP_OPTIONS: OptionsDecl<Required<RMSpropOptions>> = defineOptions<Required<RMSpropOptions>>(
  'RMSprop',
  {
    lr: float(1e-2, nonNegative('Invalid learning rate')),
    momentum: float(0, nonNegative('Invalid momentum value')),
    alpha: float(0.99, nonNegative('Invalid alpha value')),
    eps: float(1e-8, nonNegative('Invalid epsilon value')),
    centered: bool(false),
    weightDecay: float(0, nonNegative('Invalid weight_decay value')),
    ...withoutFused(baseSpecs({ fused: false })),
    maximize: bool(false),
  },
  { order: ['lr', 'eps', 'momentum', 'weightDecay', 'alpha'] },
);

export const RMSPROP_DEFAULTS: Required<RMSpropOptions> = RMSPROP_OPTIONS.defaults;

type RMSpropFlags = { maximize: boolean; decay: boolean; centered: boolean; momentum: boolean };

/** One pass per parameter over param, grad, square_avg, and grad_avg / momentum_buffer when used. */
export const rmspropKernel = /*#__PURE__*/ kernelFamily((f: RMSpropFlags) => {
  const inputs = ['param', 'grad', 'squareAvg'];
  if (f.centered) inputs.push('gradAvg');
  if (f.momentum) inputs.push('momentumBuffer');
  const outputs = inputs.filter((n) => n !== 'grad');
  return defineKernel({
    name: 'rmsprop',
    inputs,
    scalars: ['lr', 'alpha', 'eps', 'decayCoef', 'momentum'],
    outputs,
    body: (t, s) => {
      const ins = t as Record<string, k.Expr>;
      const param = ins.param!;
      const { grad: g } = preamble({ param, grad: ins.grad! }, s, { maximize: f.maximize, decay: f.decay ? 'l2' : 'none' });
      const v = ema(ins.squareAvg!, sq(g), s.alpha);
      const out: Record<string, k.Expr> = { squareAvg: v };
      let avg: k.Expr;
      if (f.centered) {
        const ga = ema(ins.gradAvg!, g, s.alpha);
        out.gradAvg = ga;
        avg = k.add(k.sqrt(k.sub(v, k.mul(ga, ga))), s.eps);
      } else {
        avg = k.add(k.sqrt(v), s.eps);
      }
      if (f.momentum) {
        const b = k.add(k.mul(s.momentum, ins.momentumBuffer!), k.div(g, avg));
        out.momentumBuffer = b;
        out.param = descend(param, s.lr, b);
      } else {
        out.param = descend(param, s.lr, k.div(g, avg));
      }
      return out as never;
    },
  });
});

/** Hyper-parameters of the functional {@link rmsprop}. */
export interface RMSpropStepOptions {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

/**
 * RMSprop, declared once: options, state (`step`, `square_avg`, then `momentum_buffer` with momentum and `grad_avg`
 * when centered, in torch's order), kernel and scalars.
 */
const RMSpropAlgorithm = /*#__PURE__*/ defineAlgorithm({
  name: 'RMSprop',
  options: RMSPROP_OPTIONS,
  state: { step: 'kept', tensors: ['square_avg', 'grad_avg', 'momentum_buffer'], optional: ['grad_avg', 'momentum_buffer'] },
  stepOptions: (g): RMSpropStepOptions => g,
  uses: (o) => ['square_avg', ...(o.momentum > 0 ? ['momentum_buffer' as const] : []), ...(o.centered ? ['grad_avg' as const] : [])],
  kernel: (o) => rmspropKernel({ maximize: o.maximize, decay: o.weightDecay !== 0, centered: o.centered, momentum: o.momentum > 0 }),
  scalars: (o) => ({ lr: o.lr, alpha: o.alpha, eps: o.eps, decayCoef: o.weightDecay, momentum: o.momentum }),
});

/**
 * The RMSprop update on raw tensors (torch.optim's functional `rmsprop`), one fused pass per parameter:
 *
 *   g ← ±∇ + λθ;  v ← αv + (1−α)g²;  ḡ ← αḡ + (1−α)g (centered);  d ← √(v − ḡ²) + ε (centered) or √v + ε;
 *   b ← μb + g/d, θ ← θ − γb (momentum > 0);  θ ← θ − γ g/d (otherwise)
 *
 * `rmsprop(params, grads, squareAvgs, gradAvgs, momentumBuffers, options)`: `gradAvgs` (ḡ) are used when
 * `centered`, `momentumBuffers` (b) when momentum > 0.
 */
export const rmsprop = /*#__PURE__*/ functionalForm(RMSpropAlgorithm);

/**
 * RMSprop (Hinton, Neural Networks for Machine Learning, lecture 6e,
 * https://www.cs.toronto.edu/~tijmen/csc321/slides/lecture_slides_lec6.pdf), with the centered variant of
 * Graves ("Generating Sequences With Recurrent Neural Networks", https://arxiv.org/abs/1308.0850), as
 * torch.optim.RMSprop:
 *
 *   g ← ±∇f(θ) + λθ;  v ← αv + (1−α)g²;  ḡ ← αḡ + (1−α)g (centered);
 *   d ← √(v − ḡ²) + ε (centered) or √v + ε;  b ← μb + g/d, θ ← θ − γb (momentum > 0), else θ ← θ − γ g/d
 *
 * State per parameter: `step`, `square_avg` (v), `momentum_buffer` (b, when momentum > 0), `grad_avg` (ḡ, when
 * centered).
 *
 * @throws ValueError `Invalid learning rate: …`, `Invalid epsilon value: …`, `Invalid momentum value: …`,
 * `Invalid weight_decay value: …`, `Invalid alpha value: …`.
 * @example
 * const opt = new RMSprop(model.parameters(), { lr: 1e-3, momentum: 0.9, centered: true });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class RMSprop extends RMSpropAlgorithm {}
