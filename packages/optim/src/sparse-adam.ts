import { type Parameter, RuntimeError, type SparseTensor, ValueError, defineKernel, isSparseTensor, k, kernelFamily } from '@tsoptim/core';
import { defineAlgorithm, functionalForm, sparseRows } from './algorithm.js';
import type { ParamsInput, Scheduled } from './optimizer.js';
import { preamble } from './kernels/decay.js';
import { adamDenominator, adamMoments, lerpAverage } from './kernels/moments.js';
import { epsHatStepSize } from './kernels/scalars.js';
import { type OptionsDecl, betasCheck, bool, float, pair, positive, defineOptions } from './options.js';

/** Options of {@link SparseAdam}; defaults as torch.optim.SparseAdam. */
export interface SparseAdamOptions {
  /** Learning rate, > 0 (default 1e-3). */
  lr?: number;
  /** Coefficients of the running averages of the gradient and its square (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** Added to the denominator for numerical stability, > 0 (default 1e-8). */
  eps?: number;
  /** Maximise the objective instead of minimising it (default false). */
  maximize?: boolean;
}

/** torch's check: `Sparse params at indices [i, [g, j]]: SparseAdam requires dense parameter tensors`. */
function rejectSparseParams(list: readonly unknown[]): void {
  const found: string[] = [];
  list.forEach((item, i) => {
    if (isSparseTensor(item)) found.push(String(i));
    else if (typeof item === 'object' && item !== null && !Array.isArray(item) && Object.hasOwn(item, 'params')) {
      const inner = (item as { params: unknown }).params;
      const ps = Array.isArray(inner) ? inner : [];
      ps.forEach((p, j) => {
        if (isSparseTensor(p)) found.push(`[${i}, ${j}]`);
      });
    }
  });
  if (found.length > 0) throw new ValueError(`Sparse params at indices [${found.join(', ')}]: SparseAdam requires dense parameter tensors`);
}

/** SparseAdam's options, declared once: defaults, kinds and torch's checks (in torch's order). */
export const SPARSE_ADAM_OPTIONS: OptionsDecl<Required<SparseAdamOptions>> = defineOptions<Required<SparseAdamOptions>>(
  'SparseAdam',
  {
    lr: float(1e-3, positive('Invalid learning rate')),
    betas: pair([0.9, 0.999], betasCheck),
    eps: float(1e-8, positive('Invalid epsilon value')),
    maximize: bool(false),
  },
  { order: ['lr', 'eps', 'betas'] },
);

export const SPARSE_ADAM_DEFAULTS: Required<SparseAdamOptions> = SPARSE_ADAM_OPTIONS.defaults;

/**
 * One pass over the gradient's rows (a sparse run): reads the compact gradient values and the touched rows
 * of param, exp_avg and exp_avg_sq; writes those rows. `stepSize = γ·√(1−β₂ᵗ)/(1−β₁ᵗ)`, as torch folds it.
 */
export const sparseAdamKernel = /*#__PURE__*/ kernelFamily((f: { maximize: boolean }) =>
  defineKernel({
    name: 'sparse_adam',
    inputs: ['param', 'grad', 'expAvg', 'expAvgSq'],
    scalars: ['beta1', 'beta2', 'eps', 'stepSize'],
    outputs: ['param', 'expAvg', 'expAvgSq'],
    body: ({ param, grad, expAvg, expAvgSq }, s) => {
      const { grad: g } = preamble({ param, grad }, s, f);
      const { m, v } = adamMoments({ expAvg, expAvgSq }, g, s.beta1, s.beta2, { first: lerpAverage, second: lerpAverage });
      return {
        param: k.add(param, k.mul(k.neg(s.stepSize), k.div(m, adamDenominator(v, s.eps)))),
        expAvg: m,
        expAvgSq: v,
      };
    },
  }),
);

/** Hyper-parameters of the functional {@link sparseAdam}. */
export interface SparseAdamStepOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  maximize: boolean;
}

/**
 * SparseAdam, declared once: options, state (`step`, `exp_avg`, `exp_avg_sq`), kernel, the step size per step count,
 * and the kernel run over the gradient's rows.
 */
const SparseAdamAlgorithm = /*#__PURE__*/ defineAlgorithm({
  name: 'SparseAdam',
  options: SPARSE_ADAM_OPTIONS,
  state: { step: true, tensors: ['exp_avg', 'exp_avg_sq'] },
  stepOptions: (g): SparseAdamStepOptions => ({ lr: g.lr, beta1: g.betas[0], beta2: g.betas[1], eps: g.eps, maximize: g.maximize }),
  kernel: (o) => sparseAdamKernel({ maximize: o.maximize }),
  scalars: (o, t) => ({ beta1: o.beta1, beta2: o.beta2, eps: o.eps, stepSize: epsHatStepSize(o.lr, o.beta1, o.beta2, t) }),
  run: (kernel, tensors, scalars, grad: SparseTensor) => sparseRows(kernel, tensors, scalars, grad),
});

/**
 * The lazy Adam update on raw tensors (torch.optim's functional `sparse_adam`): the gradient is coalesced
 * (duplicate rows summed), then only the rows it touches move, in one pass over those rows:
 *
 *   g ← ±gᵣ;  mᵣ ← mᵣ + (1−β₁)(g − mᵣ);  vᵣ ← vᵣ + (1−β₂)(g² − vᵣ);
 *   θᵣ ← θᵣ − γ·√(1−β₂ᵗ)/(1−β₁ᵗ) · mᵣ / (√vᵣ + ε)
 *
 * Rows the gradient does not touch keep their parameters and moments, unlike Adam, whose moments decay every
 * step.
 *
 * `sparseAdam(params, grads, expAvgs, expAvgSqs, steps, options)`: sparse gradients over each parameter's leading
 * dimension (coalesced here when rows repeat); first and second moments, one per parameter, updated in place;
 * `steps` the step number t (≥ 1) of each parameter's update, already incremented.
 * @throws RuntimeError when a gradient has repeated rows on a backend without synchronous reads (coalesce on
 * the host first).
 * @example
 * sparseAdam([table], [grad], [m], [v], [1], { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, maximize: false });
 */
export const sparseAdam = /*#__PURE__*/ functionalForm(SparseAdamAlgorithm);

/**
 * SparseAdam, as torch.optim.SparseAdam: the "lazy" Adam of Kingma & Ba ("Adam: A Method for Stochastic
 * Optimization", https://arxiv.org/abs/1412.6980) for sparse gradients such as an embedding's. Only the moments
 * of the rows present in the gradient are updated, and only those rows of the parameter move (see
 * {@link sparseAdam} for the update).
 *
 * Gradients must be sparse ({@link SparseTensor}: row indices and values over the leading dimension); rows may
 * repeat (they are summed). State per parameter: `step`, `exp_avg`, `exp_avg_sq`.
 *
 * @throws ValueError `Invalid learning rate: …` (lr ≤ 0), `Invalid epsilon value: …` (eps ≤ 0),
 * `Invalid beta parameter at index i: …`.
 * @throws RuntimeError from `step()`: `SparseAdam does not support dense gradients, please consider Adam instead`
 * (before any parameter changes).
 * @example
 * const table = new Parameter(randn([1000, 16], createRng(0)));
 * const opt = new SparseAdam([table], { lr: 0.01 });
 * table.grad = new SparseTensor(table.shape, Int32Array.of(3, 17), rowGrads); // rowGrads: [2, 16]
 * opt.step();
 */
export class SparseAdam extends SparseAdamAlgorithm {
  constructor(params: ParamsInput<SparseAdamOptions>, options: Scheduled<SparseAdamOptions> = {}) {
    const list = typeof params === 'object' && params !== null && Symbol.iterator in params ? [...(params as Iterable<unknown>)] : params;
    if (Array.isArray(list)) rejectSparseParams(list);
    super(list as ParamsInput<SparseAdamOptions>, options);
  }

  protected override checkGradients(params: readonly Parameter[]): void {
    for (const p of params) {
      if (!isSparseTensor(p.grad)) throw new RuntimeError('SparseAdam does not support dense gradients, please consider Adam instead');
    }
  }
}
