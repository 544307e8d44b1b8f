/** NeroPlus's per-row constraints: a parameter's rows (its leading dimension) as ALF's `_norm` / `_normalize`. */
import { type Parameter, type Tensor, mean, norm } from '@tsoptim/core';
import { rescaleK, subtractK } from './kernels.js';
import { optArg } from './opt-args.js';

/** The constraints on one parameter. */
export interface Constraints {
  maxNorm: number;
  fixedNorm: boolean;
  zeroMean: boolean;
}

/** Axes a row reduction runs over: every dimension but the first for 2+-d tensors, all otherwise. */
export function rowAxes(p: Tensor): number[] | undefined {
  return p.ndim > 1 ? p.shape.map((_, i) => i).slice(1) : undefined;
}

/** Shape of a per-row statistic: `[rows, 1, …, 1]` for 2+-d tensors, `[]` otherwise. */
export function rowStatShape(p: Tensor): number[] {
  return p.ndim > 1 ? [p.shape[0]!, ...p.shape.slice(1).map(() => 1)] : [];
}

/** The per-row L2 norms (2+-d) or the whole norm (0-d, 1-d), in {@link rowStatShape}. */
export function rowNorms(p: Tensor): Tensor {
  const axes = rowAxes(p);
  const out = norm(p, axes === undefined ? {} : { axes, keepDims: true });
  return out;
}

/**
 * A parameter's constraints: 2+-d parameters take `parameter.options` over the given defaults; 0-d and 1-d
 * parameters are unconstrained unless their own options say otherwise (maxNorm ∞, fixedNorm false,
 * zeroMean false).
 */
export function constraintsOf(p: Parameter, defaults: Constraints): Constraints {
  const d = p.ndim > 1 ? defaults : { maxNorm: Number.POSITIVE_INFINITY, fixedNorm: false, zeroMean: false };
  return {
    maxNorm: optArg(p, 'maxNorm', d.maxNorm),
    fixedNorm: optArg(p, 'fixedNorm', d.fixedNorm),
    zeroMean: optArg(p, 'zeroMean', d.zeroMean),
  };
}

/**
 * Projects `p` onto its constraints in place (ALF's `_normalize`):
 * zeroMean: p ← p − mean(p) (per row for 2+-d, whole for 1-d, nothing for 0-d);
 * then, for a finite maxNorm: p ← p · s with s = maxNorm / (‖p‖ + 1e-30) per row, s clamped at 1 unless fixedNorm.
 */
export function normalize(p: Tensor, c: Constraints): void {
  const axes = rowAxes(p);
  if (c.zeroMean && p.ndim >= 1) {
    const m = mean(p, axes === undefined ? { keepDims: true } : { axes, keepDims: true });
    p.backend.run(subtractK, { tensors: { x: p, m } });
    m.dispose();
  }
  if (c.maxNorm !== Number.POSITIVE_INFINITY) {
    const n = rowNorms(p);
    p.backend.run(rescaleK({ fixed: c.fixedNorm }), { tensors: { x: p, n }, scalars: { maxNorm: c.maxNorm } });
    n.dispose();
  }
}
