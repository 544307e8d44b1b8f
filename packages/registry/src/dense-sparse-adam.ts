import { type Parameter, SparseTensor, type Tensor } from '@tsoptim/core';
import { Optimizer, type ParamGroup, type ParamsInput, sparseAdam, validate } from '@tsoptim/optim';
import { huggingfaceAdamW } from './huggingface-adamw.js';
import { initAdamState, withDefaults } from './internal/adam-state.js';

/** Options of {@link DenseSparseAdam}; defaults as AllenNLP's `DenseSparseAdam`. */
export interface DenseSparseAdamOptions {
  /** Learning rate, ≥ 0 (default 1e-3). */
  lr?: number;
  /** Coefficients of the running averages of the gradient and its square (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** Added to √v, ≥ 0 (default 1e-8). */
  eps?: number;
}

/** AllenNLP's `DenseSparseAdam` defaults. */
export const DENSE_SPARSE_ADAM_DEFAULTS: Required<DenseSparseAdamOptions> = {
  lr: 1e-3,
  betas: [0.9, 0.999],
  eps: 1e-8,
};

/**
 * Adam for models with both dense and sparse gradients (AllenNLP's `"dense_sparse_adam"`): one optimizer, one
 * step count per parameter, and per gradient kind
 *
 * - dense: m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  θ ← θ − γ·√(1−β₂ᵗ)/(1−β₁ᵗ) · m/(√v + ε)
 *   (the "ε outside the bias correction" form of the original Adam paper; torch's Adam adds ε to √v/√(1−β₂ᵗ));
 * - sparse ({@link SparseTensor}, duplicate rows summed first): the same update on the rows the gradient touches
 *   only — exactly torch's SparseAdam; other rows keep their parameters and moments.
 *
 * Kingma & Ba, "Adam: A Method for Stochastic Optimization", https://arxiv.org/abs/1412.6980.
 *
 * State per parameter: `step`, `exp_avg`, `exp_avg_sq`.
 *
 * @throws ValueError `Invalid learning rate: …`, `Invalid epsilon value: …`, `Invalid beta parameter at index i: …`.
 * @example
 * const opt = new DenseSparseAdam([embedding, dense.weight], { lr: 1e-3 });
 * embedding.grad = new SparseTensor(embedding.shape, Int32Array.of(4, 9), rows);
 * dense.weight.setGrad(g);
 * opt.step(); // a lazy update of rows 4 and 9, a dense Adam update of the weight
 */
export class DenseSparseAdam extends Optimizer<Required<DenseSparseAdamOptions>> {
  constructor(params: ParamsInput, options: DenseSparseAdamOptions = {}) {
    super(params, withDefaults(DENSE_SPARSE_ADAM_DEFAULTS, options));
  }

  protected override validate(o: Record<string, unknown>): void {
    validate.checkLr(o.lr);
    validate.checkEps(o.eps);
    validate.checkBetas(o.betas);
  }

  /** Dense and sparse gradients are both welcome. */
  protected override checkGradients(): void {}

  protected override paramShapedState(): readonly string[] {
    return ['exp_avg', 'exp_avg_sq'];
  }

  protected updateGroup(group: ParamGroup<Required<DenseSparseAdamOptions>>, params: Parameter[]): void {
    const dense: Parameter[] = [];
    const sparse: Parameter[] = [];
    for (const p of params) (SparseTensor.isSparse(p.grad) ? sparse : dense).push(p);
    const [beta1, beta2] = group.betas;
    const step = (ps: Parameter[]) => ps.map((p) => initAdamState(this.stateOf(p), p));
    const ds = step(dense);
    const ss = step(sparse);
    if (dense.length !== 0) {
      huggingfaceAdamW(
        dense,
        dense.map((p) => p.grad as Tensor),
        ds.map((s) => s.exp_avg as Tensor),
        ds.map((s) => s.exp_avg_sq as Tensor),
        ds.map((s) => (s.step = (s.step as number) + 1)),
        { lr: group.lr, beta1, beta2, eps: group.eps, weightDecay: 0, correctBias: true },
      );
    }
    if (sparse.length !== 0) {
      sparseAdam(
        sparse,
        sparse.map((p) => p.grad as SparseTensor),
        ss.map((s) => s.exp_avg as Tensor),
        ss.map((s) => s.exp_avg_sq as Tensor),
        ss.map((s) => (s.step = (s.step as number) + 1)),
        { lr: group.lr, beta1, beta2, eps: group.eps, maximize: false },
      );
    }
  }
}
