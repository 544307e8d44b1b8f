import {
  type Parameter,
  RuntimeError,
  type SparseTensor,
  type Tensor,
  defineKernel,
  full,
  isSparseTensor,
  k,
  kernelFamily,
} from '@tsoptim/core';
import { defineAlgorithm, functionalForm, sparseRows } from './algorithm.js';
import type { BaseOptions, ParamGroup, ParamsInput, Scheduled } from './optimizer.js';
import { preamble } from './kernels/decay.js';
import { adaptiveStep } from './kernels/moments.js';
import { type OptionsDecl, baseSpecs, bool, float, nonNegative, withoutCapturable, defineOptions } from './options.js';

/** Options of {@link Adagrad}; defaults as torch.optim.Adagrad. */
export interface AdagradOptions extends Omit<BaseOptions, 'capturable'> {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** Learning-rate decay: step t uses γ / (1 + (t − 1)·lrDecay) (default 0). */
  lrDecay?: number;
  /** L2 penalty added to the gradient (default 0); not available with sparse gradients. */
  weightDecay?: number;
  /** Starting value of the accumulated squared gradients (default 0). */
  initialAccumulatorValue?: number;
  /** Added to the denominator for numerical stability (default 1e-10). */
  eps?: number;
  /** Maximise the objective instead of minimising it (default false). */
  maximize?: boolean;
}

/** Adagrad's options, declared once: defaults, kinds and torch's checks (in torch's order). */
export const ADAGRAD_OPTIONS: OptionsDecl<Required<AdagradOptions>> = defineOptions<Required<AdagradOptions>>(
  'Adagrad',
  {
    lr: float(1e-2, nonNegative('Invalid learning rate')),
    lrDecay: float(0, nonNegative('Invalid lr_decay value')),
    eps: float(1e-10, nonNegative('Invalid epsilon value')),
    weightDecay: float(0, nonNegative('Invalid weight_decay value')),
    initialAccumulatorValue: float(0, nonNegative('Invalid initial_accumulator_value value'), { schedulable: false }),
    ...withoutCapturable(baseSpecs({ fused: true })),
    maximize: bool(false),
  },
  { order: ['lr', 'lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps'] },
);

export const ADAGRAD_DEFAULTS: Required<AdagradOptions> = ADAGRAD_OPTIONS.defaults;

/**
 * One pass per parameter: reads param, grad, sum; writes param, sum. The same kernel serves sparse gradients,
 * run over the gradient's rows only (the gradient bound compactly).
 */
export const adagradKernel = /*#__PURE__*/ kernelFamily((f: { maximize: boolean; decay: boolean }) =>
  defineKernel({
    name: 'adagrad',
    inputs: ['param', 'grad', 'sum'],
    scalars: ['clr', 'eps', 'decayCoef'],
    outputs: ['param', 'sum'],
    body: ({ param, grad, sum }, s) => {
      const { grad: g } = preamble({ param, grad }, s, { maximize: f.maximize, decay: f.decay ? 'l2' : 'none' });
      const acc = k.add(sum, k.mul(g, g));
      return { param: adaptiveStep(param, s.clr, g, k.add(k.sqrt(acc), s.eps)), sum: acc };
    },
  }),
);

/** Hyper-parameters of the functional {@link adagrad}. */
export interface AdagradStepOptions {
  lr: number;
  lrDecay: number;
  weightDecay: number;
  eps: number;
  maximize: boolean;
}

const SPARSE_DECAY = 'weight_decay option is not compatible with sparse gradients';

/**
 * Adagrad, declared once: options, state (`step`, `sum` starting at `initial_accumulator_value`), kernel, the
 * decayed learning rate per step count, and sparse gradients run over their rows.
 */
const AdagradAlgorithm = /*#__PURE__*/ defineAlgorithm({
  name: 'Adagrad',
  options: ADAGRAD_OPTIONS,
  state: { step: true, tensors: ['sum'], initial: { sum: (p, g) => full(p.shape, g.initialAccumulatorValue, { backend: p.backend }) } },
  stepOptions: (g): AdagradStepOptions => g,
  kernel: (o) => adagradKernel({ maximize: o.maximize, decay: o.weightDecay !== 0 }),
  scalars: (o, t) => ({ clr: o.lr / (1 + (t - 1) * o.lrDecay), eps: o.eps, decayCoef: o.weightDecay }),
  run: sparseRows,
});

const adagradForm = /*#__PURE__*/ functionalForm(AdagradAlgorithm);

/**
 * The Adagrad update on raw tensors (torch.optim's functional `adagrad`), one fused pass per parameter:
 *
 *   g ← ±∇ + λθ;  γ̃ ← γ / (1 + (t − 1)·η);  s ← s + g²;  θ ← θ − γ̃ · g / (√s + ε)
 *
 * A sparse gradient updates only its rows (coalesced first: duplicate rows are summed); weight decay is not
 * available with sparse gradients.
 *
 * @param steps the step number t (≥ 1) of each parameter's update, already incremented.
 * @throws RuntimeError `weight_decay option is not compatible with sparse gradients` (before any update).
 */
export function adagrad(
  params: readonly Tensor[],
  grads: readonly (Tensor | SparseTensor)[],
  stateSums: readonly Tensor[],
  steps: readonly number[],
  o: AdagradStepOptions,
): void {
  if (o.weightDecay !== 0 && grads.some(isSparseTensor)) throw new RuntimeError(SPARSE_DECAY);
  adagradForm(params, grads, stateSums, steps, o);
}

/**
 * Adagrad (Duchi, Hazan & Singer, "Adaptive Subgradient Methods for Online Learning and Stochastic
 * Optimization", https://jmlr.org/papers/v12/duchi11a.html), as torch.optim.Adagrad:
 *
 *   g ← ±∇f(θ) + λθ;  γ̃ ← γ / (1 + (t − 1)·η);  s ← s + g²;  θ ← θ − γ̃ · g / (√s + ε)
 *
 * Sparse gradients (embedding rows) are supported without weight decay: only the rows present are updated.
 *
 * State per parameter: `step` and `sum`, created for every parameter at construction, as torch does; like
 * torch, the accumulators start at the constructor's `initialAccumulatorValue` even in groups that override
 * it (a group added later with `addParamGroup` starts at its own value).
 *
 * @throws ValueError `Invalid learning rate: …`, `Invalid lr_decay value: …`, `Invalid weight_decay value: …`,
 * `Invalid initial_accumulator_value value: …`, `Invalid epsilon value: …`.
 * @throws RuntimeError from `step()`: `weight_decay option is not compatible with sparse gradients`.
 * @example
 * const opt = new Adagrad(model.parameters(), { lr: 0.1, lrDecay: 1e-3 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 */
export class Adagrad extends AdagradAlgorithm {
  constructor(params: ParamsInput<AdagradOptions>, options: Scheduled<AdagradOptions> = {}) {
    super(params, options);
    // torch creates every state at construction, from the constructor's initial_accumulator_value.
    for (const g of this.paramGroups)
      for (const p of g.params) this.stateFor(p, this.defaults as ParamGroup<Required<AdagradOptions>>, ['sum']);
  }

  protected override checkGradients(params: readonly Parameter[]): void {
    const sparse = params.find((p) => isSparseTensor(p.grad));
    if (sparse === undefined) return;
    const wd = this.paramGroups.find((g) => g.params.includes(sparse))?.weightDecay;
    if (typeof wd === 'number' && wd !== 0) throw new RuntimeError(SPARSE_DECAY);
  }
}
