import { defineKernel, full, k, kernelFamily } from '@tsoptim/core';
import { defineAlgorithm, functionalForm } from './algorithm.js';
import type { BaseOptions } from './optimizer.js';
import { type OptionsDecl, baseSpecs, bool, float, nonNegative, pair, pyFloat, withoutFused, defineOptions } from './options.js';

/** Options of {@link Rprop}; defaults as torch.optim.Rprop. */
export interface RpropOptions extends Omit<BaseOptions, 'fused'> {
  /** Learning rate: the initial step size of every element (default 1e-2). */
  lr?: number;
  /** Multiplicative decrease and increase factors (η−, η+), with 0 < η− < 1 < η+ (default [0.5, 1.2]). */
  etas?: readonly [number, number];
  /** Minimal and maximal step sizes (default [1e-6, 50]). */
  stepSizes?: readonly [number, number];
  /** Maximise the objective instead of minimising it (default false). */
  maximize?: boolean;
}

/** Rprop's options, declared once: defaults, kinds and torch's checks (in torch's order). */
export const RPROP_OPTIONS: OptionsDecl<Required<RpropOptions>> = defineOptions<Required<RpropOptions>>(
  'Rprop',
  {
    lr: float(1e-2, nonNegative('Invalid learning rate')),
    etas: pair([0.5, 1.2], (e) =>
      e[0] > 0 && e[0] < 1 && e[1] > 1 ? undefined : `Invalid eta values: ${pyFloat(e[0])}, ${pyFloat(e[1])}`,
    ),
    stepSizes: pair([1e-6, 50], (v) =>
      v[0] >= 0 && v[1] >= v[0] ? undefined : `Invalid step_sizes values: ${pyFloat(v[0])}, ${pyFloat(v[1])} (0 ≤ min ≤ max)`,
    ),
    ...withoutFused(baseSpecs({ fused: false })),
    maximize: bool(false),
  },
  { order: ['lr', 'etas'] },
);

export const RPROP_DEFAULTS: Required<RpropOptions> = RPROP_OPTIONS.defaults;

/**
 * One pass per parameter: reads param, grad, prev, step_size; writes param, prev, step_size. The sign of
 * g·prev selects η+, η− or 1 per element; where the sign flipped the gradient counts as 0.
 */
/** sign(x) with torch's convention sign(NaN) = 0 (comparisons with NaN are false). */
function signOrZero(x: k.Expr): k.Expr {
  return k.select(k.gt(x, 0), 1, k.select(k.lt(x, 0), -1, 0));
}

export const rpropKernel = /*#__PURE__*/ kernelFamily((f: { maximize: boolean }) =>
  defineKernel({
    name: 'rprop',
    inputs: ['param', 'grad', 'prev', 'stepSize'],
    scalars: ['etaMinus', 'etaPlus', 'stepSizeMin', 'stepSizeMax'],
    outputs: ['param', 'prev', 'stepSize'],
    body: ({ param, grad, prev, stepSize }, s) => {
      const g = f.maximize ? k.neg(grad) : grad;
      // torch's sign is 0 for NaN: a NaN gradient element leaves its parameter and step size as they are.
      const sign = signOrZero(k.mul(g, prev));
      const flipped = k.lt(sign, 0);
      const factor = k.select(k.gt(sign, 0), s.etaPlus, k.select(flipped, s.etaMinus, 1));
      const size = k.clamp(k.mul(stepSize, factor), s.stepSizeMin, s.stepSizeMax);
      const kept = k.select(flipped, 0, g);
      return { param: k.sub(param, k.mul(signOrZero(kept), size)), prev: kept, stepSize: size };
    },
  }),
);

/** Hyper-parameters of the functional {@link rprop}. */
export interface RpropStepOptions {
  etaMinus: number;
  etaPlus: number;
  stepSizeMin: number;
  stepSizeMax: number;
  maximize: boolean;
}

/** Rprop, declared once: options, state (`step`, `prev`, `step_size` starting at lr), kernel and scalars. */
const RpropAlgorithm = /*#__PURE__*/ defineAlgorithm({
  name: 'Rprop',
  options: RPROP_OPTIONS,
  state: {
    step: 'kept',
    tensors: ['prev', 'step_size'],
    initial: { step_size: (p, g) => full(p.shape, g.lr, { backend: p.backend }) },
  },
  stepOptions: (g): RpropStepOptions => ({
    etaMinus: g.etas[0],
    etaPlus: g.etas[1],
    stepSizeMin: g.stepSizes[0],
    stepSizeMax: g.stepSizes[1],
    maximize: g.maximize,
  }),
  kernel: (o) => rpropKernel({ maximize: o.maximize }),
  scalars: (o) => ({ etaMinus: o.etaMinus, etaPlus: o.etaPlus, stepSizeMin: o.stepSizeMin, stepSizeMax: o.stepSizeMax }),
});

/**
 * The Rprop update on raw tensors (torch.optim's functional `rprop`), one fused pass per parameter:
 *
 *   g ← ±∇;  s ← sign(g·g_prev);  η ← η+ (s > 0), η− (s < 0), 1 (s = 0);  Δ ← clamp(ηΔ, Δmin, Δmax);
 *   g ← 0 where s < 0;  θ ← θ − sign(g)·Δ;  g_prev ← g
 *
 * `rprop(params, grads, prevs, stepSizes, options)`: g_prev and Δ per parameter, both updated in place.
 */
export const rprop = /*#__PURE__*/ functionalForm(RpropAlgorithm);

/**
 * Rprop, resilient backpropagation (Riedmiller & Braun, "A Direct Adaptive Method for Faster Backpropagation
 * Learning: The RPROP Algorithm", https://doi.org/10.1109/ICNN.1993.298623), as torch.optim.Rprop: each element
 * has its own step size, grown by η+ while the gradient keeps its sign and shrunk by η− when it flips; only the
 * sign of the gradient is used.
 *
 *   g ← ±∇f(θ);  s ← sign(g·g_prev);  η ← η+ (s > 0), η− (s < 0), 1 (s = 0);  Δ ← clamp(ηΔ, Δmin, Δmax);
 *   g ← 0 where s < 0;  θ ← θ − sign(g)·Δ;  g_prev ← g
 *
 * State per parameter: `step`, `prev` (g_prev), `step_size` (Δ, starting at lr).
 *
 * @throws ValueError `Invalid learning rate: …`, `Invalid eta values: η−, η+`.
 * @example
 * const opt = new Rprop(model.parameters(), { lr: 0.01, etas: [0.5, 1.2], stepSizes: [1e-6, 50] });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class Rprop extends RpropAlgorithm {}
