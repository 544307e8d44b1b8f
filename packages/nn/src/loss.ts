import { RuntimeError, Tensor, ValueError } from '@tsoptim/core';
import { tensor, zeros } from './internal/alloc.js';
import { sub, mul } from './arithmetic.js';
import { crossEntropyGradK, scaledDotR } from './internal/kernels.js';
import { torchSize, viewAs } from './internal/shape-utils.js';
import { mean, sum } from './reduction.js';
import { logSoftmax } from './softmax.js';
import { type Input, Variable, record } from './variable.js';

/** How a loss combines the per-element (or per-sample) losses. */
export type Reduction = 'mean' | 'sum' | 'none';

/** Options shared by the losses. */
export interface LossOptions {
  /** `'mean'` (default), `'sum'` or `'none'`. */
  readonly reduction?: Reduction;
}

/** Options of {@link nllLoss} and {@link crossEntropy}. */
export interface ClassLossOptions extends LossOptions {
  /** A weight per class (a tensor of C values); the mean divides by the sum of the weights of the targets. */
  readonly weight?: Tensor | null;
  /** Targets equal to this contribute nothing and are left out of the mean (default -100). */
  readonly ignoreIndex?: number;
}

/** Class indices: integers in `[0, C)`, or `ignoreIndex`. */
export type Targets = Int32Array | readonly number[] | Tensor;

function checkReduction(r: string): Reduction {
  if (r !== 'mean' && r !== 'sum' && r !== 'none') throw new ValueError(`${r} is not a valid value for reduction`);
  return r;
}

/**
 * The mean squared error `mean((input − target)²)` (or its sum, or per element), as torch's `mse_loss`.
 *
 * @param input - predictions.
 * @param target - targets of the same shape (broadcast otherwise).
 * @param options - `reduction`.
 * @throws ValueError for an unknown reduction.
 * @example
 * const loss = mseLoss(model.forward(x), y);
 * loss.backward();
 */
export function mseLoss(input: Input, target: Input, options: LossOptions = {}): Variable {
  const reduction = checkReduction(options.reduction ?? 'mean');
  const d = sub(input, target);
  const sq = mul(d, d);
  if (reduction === 'none') return sq;
  return reduction === 'sum' ? sum(sq) : mean(sq);
}

/**
 * The class losses: `alpha · Σ mask · logProbs` (per row with `'none'`), `mask` the one-hot target weights
 * built from `target` (checked first, with torch's messages), and the log-probabilities `v` itself or, from
 * logits, their log-softmax. Backward, in one kernel: `alpha · g · (mask − w · e^y)`, w the target weight of each
 * row from logits, 0 from log-probabilities.
 */
function classLoss(v: Variable, target: Targets, options: ClassLossOptions, fromLogits: boolean): Variable {
  const reduction = checkReduction(options.reduction ?? 'mean');
  const ignoreIndex = options.ignoreIndex ?? -100;
  const [n, c] = v.shape as [number, number];
  const t = Tensor.isTensor(target) ? target.data : target;
  if (t.length !== n) throw new ValueError(`Expected input batch_size (${n}) to match target batch_size (${t.length}).`);
  let w: Float32Array | null = null;
  if (options.weight !== undefined && options.weight !== null) {
    if (options.weight.size !== c) {
      throw new RuntimeError(
        `weight tensor should be defined either for all ${c} classes or no classes but got weight tensor of shape: [${options.weight.shape.join(', ')}]`,
      );
    }
    w = options.weight.data;
  }
  const mask = new Float32Array(n * c);
  const rowWeight = new Float32Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const y = t[i]!;
    if (y === ignoreIndex) continue;
    if (!Number.isInteger(y) || y < 0 || y >= c) throw new RuntimeError(`Target ${y} is out of bounds.`);
    const wy = w === null ? 1 : w[y]!;
    mask[i * c + y] = wy;
    rowWeight[i] = wy;
    total += wy;
  }
  const backend = v.value.backend;
  const m = tensor(mask, { backend, shape: [n, c] });
  // The log-softmax of the values alone (a constant input: nothing recorded).
  const y = fromLogits ? logSoftmax(v.value, 1).value : v.value;
  const alpha = reduction === 'mean' ? -1 / total : -1;
  const out = zeros(reduction === 'none' ? [n] : [], { backend });
  const args = { tensors: { a: m, b: y }, scalars: { alpha }, out };
  backend.reduce(scaledDotR, reduction === 'none' ? { ...args, axes: [1] } : args);
  return record(fromLogits ? 'crossEntropy' : 'nllLoss', out, [v], (g) => {
    const dx = zeros([n, c], { backend });
    // From log-probabilities the row weights are zeros: alpha · g · mask. The zeros stand in for the values too
    // (e⁰ · 0 = 0), so log-probabilities of any size give torch's finite gradient, never 0 · ∞.
    const tw = tensor(fromLogits ? rowWeight : new Float32Array(n), { backend, shape: [n, 1] });
    const gb = reduction === 'none' ? viewAs(g, [n, 1]) : g;
    backend.run(crossEntropyGradK, { tensors: { m, y: fromLogits ? y : tw, w: tw, g: gb, out: dx }, scalars: { alpha } });
    return [dx];
  });
}

/**
 * The negative log-likelihood of class targets given log-probabilities `[N, C]`, as torch's `nll_loss`:
 * `ℓᵢ = −w[yᵢ] · input[i, yᵢ]`; the mean is `Σ ℓᵢ / Σ w[yᵢ]` over targets that are not `ignoreIndex`.
 *
 * @param input - log-probabilities `[N, C]` (e.g. from {@link logSoftmax}).
 * @param target - N class indices.
 * @param options - `reduction`, `weight`, `ignoreIndex`.
 * @throws ValueError for an unknown reduction or a target count that differs from N.
 * @throws RuntimeError for a target out of range or a weight of the wrong size.
 * @example
 * const loss = nllLoss(logSoftmax(logits, 1), labels);
 */
export function nllLoss(input: Input, target: Targets, options: ClassLossOptions = {}): Variable {
  checkReduction(options.reduction ?? 'mean');
  const v = Variable.from(input);
  if (v.ndim !== 2) throw new ValueError(`Expected 2 dimensions for the input (got ${v.ndim})`);
  return classLoss(v, target, options, false);
}

/**
 * Cross-entropy between logits `[N, C]` and class indices: `nllLoss(logSoftmax(logits, 1), target)`, as
 * torch's `cross_entropy`, in one recorded operation: the backward is one kernel,
 * `∂logits = α·g·(mask − w[yᵢ]·softmax(logits))` (α = −1/Σw[yᵢ] for the mean, −1 otherwise).
 *
 * @param logits - unnormalised scores `[N, C]`.
 * @param target - N class indices.
 * @param options - `reduction`, `weight`, `ignoreIndex`.
 * @throws ValueError / RuntimeError as {@link nllLoss}.
 * @example
 * const loss = crossEntropy(model.forward(x), labels);
 * loss.backward();
 */
export function crossEntropy(logits: Input, target: Targets, options: ClassLossOptions = {}): Variable {
  const v = Variable.from(logits);
  if (v.ndim !== 2) throw new ValueError(`Expected 2 dimensions for the input (got ${v.ndim}), shape ${torchSize(v.shape)}`);
  return classLoss(v, target, options, true);
}
