import { defineKernel, k, kernelFamily } from '@tsoptim/core';
import { defineAlgorithm, functionalForm } from './algorithm.js';
import { preamble } from './kernels/decay.js';
import { lerp } from './kernels/moments.js';
import type { BaseOptions } from './optimizer.js';
import { type OptionsDecl, baseSpecs, bool, float, nonNegative, withoutFused, defineOptions } from './options.js';

/** Options of {@link ASGD}; defaults as torch.optim.ASGD. */
export interface ASGDOptions extends Omit<BaseOptions, 'fused'> {
  /** Learning rate γ (default 1e-2). */
  lr?: number;
  /** Decay term λ (default 1e-4). */
  lambd?: number;
  /** Power α of the step-size decay (default 0.75). */
  alpha?: number;
  /** Step t₀ at which averaging starts (default 1e6). */
  t0?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Maximise the objective instead of minimising it (default false). */
  maximize?: boolean;
}

/** ASGD's options, declared once: defaults, kinds and torch's checks (in torch's order). */
export const ASGD_OPTIONS: OptionsDecl<Required<ASGDOptions>> = defineOptions<Required<ASGDOptions>>(
  'ASGD',
  {
    lr: float(1e-2, nonNegative('Invalid learning rate')),
    lambd: float(1e-4, nonNegative('Invalid lambd value')),
    alpha: float(0.75, nonNegative('Invalid alpha value')),
    t0: float(1e6, nonNegative('Invalid t0 value')),
    weightDecay: float(0, nonNegative('Invalid weight_decay value')),
    ...withoutFused(baseSpecs({ fused: false })),
    maximize: bool(false),
  },
  { order: ['lr', 'weightDecay', 'lambd', 'alpha', 't0'] },
);

export const ASGD_DEFAULTS: Required<ASGDOptions> = ASGD_OPTIONS.defaults;

/**
 * One pass per parameter: reads param, grad, ax; writes param, ax. With μ = 1 (before averaging starts) the
 * average is the parameter itself, as in torch.
 */
export const asgdKernel = /*#__PURE__*/ kernelFamily((f: { maximize: boolean; decay: boolean; average: boolean }) =>
  defineKernel({
    name: 'asgd',
    inputs: ['param', 'grad', 'ax'],
    scalars: ['eta', 'lambd', 'mu', 'decayCoef'],
    outputs: ['param', 'ax'],
    body: ({ param, grad, ax }, s) => {
      const { grad: g } = preamble({ param, grad }, s, { maximize: f.maximize, decay: f.decay ? 'l2' : 'none' });
      const next = k.sub(k.mul(param, k.sub(1, k.mul(s.lambd, s.eta))), k.mul(s.eta, g));
      return { param: next, ax: f.average ? lerp(ax, next, s.mu) : next };
    },
  }),
);

/** Hyper-parameters of the functional {@link asgd}. */
export interface ASGDStepOptions {
  lr: number;
  lambd: number;
  alpha: number;
  t0: number;
  weightDecay: number;
  maximize: boolean;
}

/**
 * ASGD, declared once: options, state (`step`, then `eta` (starting at lr) and `mu` (at 1) on the host, `ax`), the
 * kernel for this μ (averaging starts when μ ≠ 1), and the step's η and μ, advanced to the next step's.
 */
const ASGDAlgorithm = /*#__PURE__*/ defineAlgorithm({
  name: 'ASGD',
  options: ASGD_OPTIONS,
  state: { step: true, tensors: ['ax'], numbers: ['eta', 'mu'], initial: { eta: (_, g) => g.lr, mu: () => 1 } },
  stepOptions: (g): ASGDStepOptions => g,
  kernel: (o, _t, s) => asgdKernel({ maximize: o.maximize, decay: o.weightDecay !== 0, average: s.mu !== 1 }),
  scalars: (o, t, s) => {
    const scalars = { eta: s.eta as number, lambd: o.lambd, mu: s.mu as number, decayCoef: o.weightDecay };
    s.eta = o.lr / (1 + o.lambd * o.lr * t) ** o.alpha;
    s.mu = 1 / Math.max(1, t - o.t0);
    return scalars;
  },
});

/**
 * The ASGD update on raw tensors (torch.optim's functional `asgd`), one fused pass per parameter, then the
 * host-side schedules:
 *
 *   g ← ±∇ + λ_wd·θ;  θ ← θ(1 − λη) − ηg;  ā ← ā + μ(θ − ā);
 *   η ← γ / (1 + λγt)^α;  μ ← 1 / max(1, t − t₀)
 *
 * `asgd(params, grads, axs, etas, mus, steps, options)`: `etas` (η) and `mus` (μ) per parameter are read, then
 * replaced by the next step's values; `steps` holds the step number t (≥ 1) of each parameter's update, already
 * incremented.
 */
export const asgd = /*#__PURE__*/ functionalForm(ASGDAlgorithm);

/**
 * Averaged stochastic gradient descent (Polyak & Juditsky, "Acceleration of Stochastic Approximation by
 * Averaging", https://doi.org/10.1137/0330046), as torch.optim.ASGD:
 *
 *   g ← ±∇f(θ) + λ_wd·θ;  θ ← θ(1 − λη) − ηg;  ā ← ā + μ(θ − ā);
 *   η ← γ / (1 + λγt)^α;  μ ← 1 / max(1, t − t₀)
 *
 * The averaged parameters ā are in the state as `ax`; the parameters themselves follow plain SGD with decay.
 *
 * State per parameter: `step`, `eta` (η, starting at γ), `mu` (μ, starting at 1), `ax` (ā).
 *
 * @throws ValueError `Invalid learning rate: …`, `Invalid weight_decay value: …`.
 * @example
 * const opt = new ASGD(model.parameters(), { lr: 0.01, t0: 1000 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 * const averaged = opt.state.get(weight)?.ax;
 */
export class ASGD extends ASGDAlgorithm {}
