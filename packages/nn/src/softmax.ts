import { type ReductionKernel, type Tensor, dotReduction, maxReduction } from '@tsoptim/core';
import { sum as coreSum, zeros } from './internal/alloc.js';
import { logSoftmaxGradK, logSumExpR, softmaxGradK, softmaxOutK, subK, sumExpR } from './internal/kernels.js';
import { keptShape, normDim } from './internal/shape-utils.js';
import { type Input, Variable, record } from './variable.js';

/**
 * The input shifted by its max along `axis` (`t`) and `s`, the reduction `r` of `t` along it (`Σ e^t`, or its
 * logarithm, taken once per output) with the axis kept as 1.
 */
function shifted(x: Tensor, axis: number, r: ReductionKernel): { t: Tensor; s: Tensor } {
  const kept = keptShape(x.shape, [axis]);
  const m = zeros(kept, { backend: x.backend });
  x.backend.reduce(maxReduction, { tensors: { x }, out: m, axes: [axis] });
  const t = zeros(x.shape, { backend: x.backend });
  x.backend.run(subK, { tensors: { a: x, b: m, out: t } });
  const s = zeros(kept, { backend: x.backend });
  x.backend.reduce(r, { tensors: { x: t }, out: s, axes: [axis] });
  return { t, s };
}

/**
 * `log softmax(x)` along `dim`, computed stably as `x − max − log Σ e^(x − max)` (torch's `log_softmax`).
 * Backward: `g − softmax(x) · Σ g`.
 *
 * @param x - a variable or tensor.
 * @param dim - the dimension that sums to one after `exp` (negative counts from the end).
 * @throws RuntimeError when `dim` is out of range.
 * @example
 * const logProbs = logSoftmax(logits, 1);
 */
export function logSoftmax(x: Input, dim: number): Variable {
  const v = Variable.from(x);
  const axis = normDim(dim, v.ndim);
  const { t, s } = shifted(v.value, axis, logSumExpR);
  const y = zeros(t.shape, { backend: t.backend });
  t.backend.run(subK, { tensors: { a: t, b: s, out: y } });
  return record('logSoftmax', y, [v], (g) => {
    const sg = coreSum(g, { dim: axis, keepDim: true });
    const dx = zeros(g.shape, { backend: g.backend });
    g.backend.run(logSoftmaxGradK, { tensors: { g, y, sg, out: dx } });
    return [dx];
  });
}

/**
 * `softmax(x) = e^x / Σ e^x` along `dim`, computed stably (torch's `softmax`). Backward:
 * `y · (g − Σ g·y)`.
 *
 * @param x - a variable or tensor.
 * @param dim - the dimension that sums to one (negative counts from the end).
 * @throws RuntimeError when `dim` is out of range.
 * @example
 * const probs = softmax(logits, -1);
 */
export function softmax(x: Input, dim: number): Variable {
  const v = Variable.from(x);
  const axis = normDim(dim, v.ndim);
  const { t, s } = shifted(v.value, axis, sumExpR);
  const y = zeros(t.shape, { backend: t.backend });
  t.backend.run(softmaxOutK, { tensors: { t, s, out: y } });
  return record('softmax', y, [v], (g) => {
    const gy = zeros(keptShape(g.shape, [axis]), { backend: g.backend });
    g.backend.reduce(dotReduction, { tensors: { a: g, b: y }, out: gy, axes: [axis] });
    const dx = zeros(g.shape, { backend: g.backend });
    g.backend.run(softmaxGradK, { tensors: { g, y, gy, out: dx } });
    return [dx];
  });
}
