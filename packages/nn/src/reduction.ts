import { type Tensor, shapeSize } from '@tsoptim/core';
import { mean as coreMean, sum as coreSum, zeros } from './internal/alloc.js';
import { scaledK } from './internal/kernels.js';
import { keptShape, normDim, viewAs } from './internal/shape-utils.js';
import { type Input, Variable, record } from './variable.js';

/** Options of {@link sum} and {@link mean}. */
export interface ReduceOptions {
  /** Dimension(s) to reduce (negative counts from the end); all when omitted. */
  readonly dim?: number | readonly number[];
  /** Keep reduced dimensions with size 1 (torch's `keepdim`). */
  readonly keepDim?: boolean;
}

function axesOf(x: Tensor, dim: ReduceOptions['dim']): number[] | undefined {
  if (dim === undefined) return undefined;
  const dims = typeof dim === 'number' ? [dim] : [...dim];
  return [...new Set(dims.map((d) => normDim(d, x.ndim)))].sort((a, b) => a - b);
}

function reduce(name: 'sum' | 'mean', x: Input, options: ReduceOptions): Variable {
  const v = Variable.from(x);
  const t = v.value;
  const axes = axesOf(t, options.dim);
  const keepDim = options.keepDim ?? false;
  const opts = axes === undefined ? { keepDim } : { dim: axes, keepDim };
  const out = name === 'sum' ? coreSum(t, opts) : coreMean(t, opts);
  const kept = keptShape(t.shape, axes ?? t.shape.map((_, i) => i));
  const count = out.size === 0 ? 0 : t.size / Math.max(shapeSize(out.shape), 1);
  const alpha = name === 'sum' ? 1 : 1 / count;
  return record(name, out, [v], (g) => {
    const dx = zeros(t.shape, { backend: t.backend });
    t.backend.run(scaledK, { tensors: { x: viewAs(g, kept), out: dx }, scalars: { alpha } });
    return [dx];
  });
}

/**
 * Σ x over every element, or along `dim` (torch's `sum`). Backward spreads the gradient over the summed
 * elements.
 *
 * @param x - a variable or tensor.
 * @param options - `dim` and `keepDim`.
 * @throws RuntimeError when a dimension is out of range.
 * @example
 * const rowSums = sum(x, { dim: 1 });
 */
export function sum(x: Input, options: ReduceOptions = {}): Variable {
  return reduce('sum', x, options);
}

/**
 * The mean of every element, or along `dim` (torch's `mean`). Backward: `g / count` to every element.
 *
 * @param x - a variable or tensor.
 * @param options - `dim` and `keepDim`.
 * @throws RuntimeError when a dimension is out of range.
 * @example
 * const loss = mean(mul(d, d));
 */
export function mean(x: Input, options: ReduceOptions = {}): Variable {
  return reduce('mean', x, options);
}
