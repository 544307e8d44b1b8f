import { defineKernel, k, kernelFamily } from '@tsoptim/core';
import { defineAlgorithm, functionalForm } from './algorithm.js';
import { preamble } from './kernels/decay.js';
import { descend, ema, sq } from './kernels/moments.js';
import type { BaseOptions } from './optimizer.js';
import { type OptionsDecl, baseSpecs, bool, float, inRange, nonNegative, withoutFused, defineOptions } from './options.js';

/** Options of {@link Adadelta}; defaults as torch.optim.Adadelta. */
export interface AdadeltaOptions extends Omit<BaseOptions, 'fused'> {
  /** Coefficient that scales the delta before it is applied to the parameters (default 1.0). */
  lr?: number;
  /** Coefficient of the running averages of the squared gradient and the squared update, in [0, 1] (default 0.9). */
  rho?: number;
  /** Added inside both square roots for numerical stability (default 1e-6). */
  eps?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Maximise the objective instead of minimising it (default false). */
  maximize?: boolean;
}

/** Adadelta's options, declared once: defaults, kinds and torch's checks (in torch's order). */
export const ADADELTA_OPTIONS: OptionsDecl<Required<AdadeltaOptions>> = defineOptions<Required<AdadeltaOptions>>(
  'Adadelta',
  {
    lr: float(1.0, nonNegative('Invalid learning rate')),
    rho: float(0.9, inRange('Invalid rho value', 0, 1)),
    eps: float(1e-6, nonNegative('Invalid epsilon value')),
    weightDecay: float(0, nonNegative('Invalid weight_decay value')),
    ...withoutFused(baseSpecs({ fused: false })),
    maximize: bool(false),
  },
  { order: ['lr', 'rho', 'eps', 'weightDecay'] },
);

export const ADADELTA_DEFAULTS: Required<AdadeltaOptions> = ADADELTA_OPTIONS.defaults;

/** One pass per parameter: reads param, grad, square_avg, acc_delta; writes param, square_avg, acc_delta. */
export const adadeltaKernel = /*#__PURE__*/ kernelFamily((f: { maximize: boolean; decay: boolean }) =>
  defineKernel({
    name: 'adadelta',
    inputs: ['param', 'grad', 'squareAvg', 'accDelta'],
    scalars: ['lr', 'rho', 'eps', 'decayCoef'],
    outputs: ['param', 'squareAvg', 'accDelta'],
    body: ({ param, grad, squareAvg, accDelta }, s) => {
      const { grad: g } = preamble({ param, grad }, s, { maximize: f.maximize, decay: f.decay ? 'l2' : 'none' });
      const v = ema(squareAvg, sq(g), s.rho);
      const delta = k.mul(k.div(k.sqrt(k.add(accDelta, s.eps)), k.sqrt(k.add(v, s.eps))), g);
      return {
        param: descend(param, s.lr, delta),
        squareAvg: v,
        accDelta: ema(accDelta, sq(delta), s.rho),
      };
    },
  }),
);

/** Hyper-parameters of the functional {@link adadelta}. */
export interface AdadeltaStepOptions {
  lr: number;
  rho: number;
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

/** Adadelta, declared once: options, state (`step`, `square_avg`, `acc_delta`), kernel and scalars. */
const AdadeltaAlgorithm = /*#__PURE__*/ defineAlgorithm({
  name: 'Adadelta',
  options: ADADELTA_OPTIONS,
  state: { step: 'kept', tensors: ['square_avg', 'acc_delta'] },
  stepOptions: (g): AdadeltaStepOptions => g,
  kernel: (o) => adadeltaKernel({ maximize: o.maximize, decay: o.weightDecay !== 0 }),
  scalars: (o) => ({ lr: o.lr, rho: o.rho, eps: o.eps, decayCoef: o.weightDecay }),
});

/**
 * The Adadelta update on raw tensors (torch.optim's functional `adadelta`), one fused pass per parameter:
 *
 *   g ← ±∇ + λθ;  v ← ρv + (1−ρ)g²;  Δ ← √(u + ε) / √(v + ε) · g;  u ← ρu + (1−ρ)Δ²;  θ ← θ − γΔ
 *
 * `adadelta(params, grads, squareAvgs, accDeltas, options)`: v and u per parameter, both updated in place.
 */
export const adadelta = /*#__PURE__*/ functionalForm(AdadeltaAlgorithm);

/**
 * Adadelta (Zeiler, "ADADELTA: An Adaptive Learning Rate Method", https://arxiv.org/abs/1212.5701), as
 * torch.optim.Adadelta:
 *
 *   g ← ±∇f(θ) + λθ;  v ← ρv + (1−ρ)g²;  Δ ← √(u + ε)/√(v + ε) · g;  u ← ρu + (1−ρ)Δ²;  θ ← θ − γΔ
 *
 * State per parameter: `step`, `square_avg` (v), `acc_delta` (u).
 *
 * @throws ValueError `Invalid learning rate: …`, `Invalid rho value: …`, `Invalid epsilon value: …`,
 * `Invalid weight_decay value: …`.
 * @example
 * const opt = new Adadelta(model.parameters(), { rho: 0.9 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class Adadelta extends AdadeltaAlgorithm {}
