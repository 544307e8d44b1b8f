import { RuntimeError, type Tensor, ValueError, dotReduction, sumSquaresReduction } from '@tsoptim/core';
import { clone, mean as coreMean, sum as coreSum, tensor, zeros } from './internal/alloc.js';
import { bnEvalGradK, bnEvalK, bnGradK, bnInvStdK, bnNormK, bnRunningK, subK } from './internal/kernels.js';
import { torchSize, viewAs } from './internal/shape-utils.js';
import { type Input, Variable, record } from './variable.js';

/** Options of {@link batchNorm}. */
export interface BatchNormOptions {
  /** Normalise with the batch's statistics (and update the running ones); else use the running ones. */
  readonly training: boolean;
  /** Weight of the new batch in the running statistics (torch's `exponential_average_factor`). Default 0.1. */
  readonly momentum?: number;
  /** Added to the variance before the square root. Default 1e-5. */
  readonly eps?: number;
}

/**
 * Batch normalisation over the channels of `[N, C]` or `[N, C, L]` inputs (torch's `F.batch_norm`):
 * `y = (x − μ) / sqrt(σ² + eps) · weight + bias`, with μ and the biased σ² from the batch when training
 * (then `running ← (1 − momentum)·running + momentum·batch`, the variance unbiased) or the running
 * statistics otherwise. Running statistics are updated in place and never recorded.
 *
 * @param x - input `[N, C]` or `[N, C, L]`.
 * @param runningMean - `[C]`, or null.
 * @param runningVar - `[C]`, or null.
 * @param weight - `[C]` (γ), or null for 1.
 * @param bias - `[C]` (β), or null for 0.
 * @param options - `training`, `momentum`, `eps`.
 * @throws ValueError for inputs that are not 2-d or 3-d, or a single value per channel when training.
 * @throws RuntimeError when a per-channel tensor has the wrong size, or running statistics are missing in evaluation.
 * @see https://arxiv.org/abs/1502.03167
 * @example
 * const y = batchNorm(x, bn.runningMean, bn.runningVar, bn.weight, bn.bias, { training: true });
 */
export function batchNorm(
  x: Input,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Input | null,
  bias: Input | null,
  options: BatchNormOptions,
): Variable {
  const v = Variable.from(x);
  if (v.ndim !== 2 && v.ndim !== 3) throw new ValueError(`expected 2D or 3D input (got ${v.ndim}D input)`);
  const X = v.value;
  const backend = X.backend;
  const c = v.shape[1]!;
  const M = v.size / Math.max(c, 1);
  const axes = v.ndim === 2 ? [0] : [0, 2];
  const ch = v.ndim === 2 ? [c] : [c, 1];
  const eps = options.eps ?? 1e-5;
  const momentum = options.momentum ?? 0.1;
  for (const [name, t] of [
    ['running_mean', runningMean],
    ['running_var', runningVar],
    ['weight', weight === null ? null : Variable.from(weight).value],
    ['bias', bias === null ? null : Variable.from(bias).value],
  ] as const) {
    if (t !== null && t.size !== c) throw new RuntimeError(`${name} should contain ${c} elements not ${t.size}`);
  }
  const vw = weight === null ? null : Variable.from(weight);
  const vb = bias === null ? null : Variable.from(bias);
  const W = vw === null ? tensor(new Float32Array([1]), { backend, shape: [1] }) : viewAs(vw.value, ch);
  const B = vb === null ? tensor(new Float32Array([0]), { backend, shape: [1] }) : viewAs(vb.value, ch);
  const parents = [v, vw ?? Variable.from(W), vb ?? Variable.from(B)];
  const xhat = zeros(v.shape, { backend });
  const y = zeros(v.shape, { backend });

  if (options.training || runningMean === null || runningVar === null) {
    if (options.training && M <= 1) {
      throw new ValueError(`Expected more than 1 value per channel when training, got input size ${torchSize(v.shape)}`);
    }
    if (!options.training && (runningMean === null) !== (runningVar === null)) {
      throw new RuntimeError('running_mean and running_var must be defined in the evaluation mode');
    }
    const mu = coreMean(X, { axes });
    const xc = zeros(v.shape, { backend });
    backend.run(subK, { tensors: { a: X, b: viewAs(mu, ch), out: xc } });
    const ss = zeros([c], { backend });
    backend.reduce(sumSquaresReduction, { tensors: { x: xc }, out: ss, axes });
    const invstd = zeros([c], { backend });
    backend.run(bnInvStdK, { tensors: { ss, invstd }, scalars: { invM: 1 / M, eps } });
    if (options.training && runningMean !== null && runningVar !== null) {
      backend.run(bnRunningK, {
        tensors: { mean: mu, ss, rm: runningMean, rv: runningVar },
        scalars: { m: momentum, invM1: 1 / (M - 1) },
      });
    }
    const inv = viewAs(invstd, ch);
    backend.run(bnNormK, { tensors: { xc, invstd: inv, w: W, b: B, xhat, y } });
    return record('batchNorm', y, parents, (g, needs) => {
      const sg = coreSum(g, { axes });
      const sgx = zeros([c], { backend });
      backend.reduce(dotReduction, { tensors: { a: g, b: xhat }, out: sgx, axes });
      let dx: Tensor | null = null;
      if (needs[0]) {
        dx = zeros(v.shape, { backend });
        backend.run(bnGradK, {
          tensors: { g, xhat, w: W, invstd: inv, sg: viewAs(sg, ch), sgx: viewAs(sgx, ch), dx },
          scalars: { invM: 1 / M },
        });
      }
      return [dx, needs[1] ? sgx : null, needs[2] ? sg : null];
    });
  }

  const RM = viewAs(runningMean, ch);
  const RV = viewAs(clone(runningVar), ch);
  backend.run(bnEvalK, { tensors: { x: X, rm: RM, rv: RV, w: W, b: B, xhat, y }, scalars: { eps } });
  return record('batchNorm', y, parents, (g, needs) => {
    let dx: Tensor | null = null;
    let dw: Tensor | null = null;
    if (needs[0]) {
      dx = zeros(v.shape, { backend });
      backend.run(bnEvalGradK, { tensors: { g, w: W, rv: RV, dx }, scalars: { eps } });
    }
    if (needs[1]) {
      dw = zeros([c], { backend });
      backend.reduce(dotReduction, { tensors: { a: g, b: xhat }, out: dw, axes });
    }
    return [dx, dw, needs[2] ? coreSum(g, { axes }) : null];
  });
}
