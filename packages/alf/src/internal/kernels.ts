/** Small elementwise kernels and reductions shared by the ALF optimizers and tools. */
import { defineKernel, defineReduction, k, kernelFamily } from '@tsoptim/core';
import { fragments } from '@tsoptim/optim';

/** `x ← x − m` (m broadcasts: a per-row mean or a 0-d mean). */
export const subtractK = /*#__PURE__*/ defineKernel({
  name: 'alf_subtract',
  inputs: ['x', 'm'],
  outputs: ['x'],
  body: ({ x, m }) => ({ x: k.sub(x, m) }),
});

/**
 * `x ← x · s` with `s = maxNorm / (n + 1e-30)`, clamped at 1 unless `fixed` (ALF's `_normalize` and
 * the wrapper's norm restore; `n` broadcasts).
 */
export const rescaleK = /*#__PURE__*/ kernelFamily((f: { fixed: boolean }) =>
  defineKernel({
    name: f.fixed ? 'alf_rescale_fixed' : 'alf_rescale_max',
    inputs: ['x', 'n'],
    scalars: ['maxNorm'],
    outputs: ['x'],
    body: ({ x, n }, { maxNorm }) => {
      const s = k.div(maxNorm, k.add(n, 1e-30));
      return { x: k.mul(x, f.fixed ? s : k.min(s, 1)) };
    },
  }),
);

/** `x ← x · n0 / (n + 1e-30)` (both norms broadcast): restores a norm recorded earlier. */
export const restoreNormK = /*#__PURE__*/ defineKernel({
  name: 'alf_restore_norm',
  inputs: ['x', 'n0', 'n'],
  outputs: ['x'],
  body: ({ x, n0, n }) => ({ x: k.mul(x, k.div(n0, k.add(n, 1e-30))) }),
});

/** `g ← g · min(1, clip / n)` with `n` a broadcast norm (0-d): ALF's `clip_by_norms` for one tensor. */
export const clipByNormK = /*#__PURE__*/ defineKernel({
  name: 'alf_clip_by_norm',
  inputs: ['g', 'n'],
  scalars: ['clip'],
  outputs: ['g'],
  body: ({ g, n }, { clip }) => ({ g: k.mul(g, k.min(1, k.div(clip, n))) }),
});

/** `g ← g · min(1, clip / sqrt(s))` with `s` the broadcast global sum of squares. */
export const clipBySumSqK = /*#__PURE__*/ defineKernel({
  name: 'alf_clip_by_sumsq',
  inputs: ['g', 's'],
  scalars: ['clip'],
  outputs: ['g'],
  body: ({ g, s }, { clip }) => ({ g: k.mul(g, k.min(1, k.div(clip, k.sqrt(s)))) }),
});

/** `y ← y + x` (x broadcasts). */
export const accumulateK = /*#__PURE__*/ defineKernel({
  name: 'alf_accumulate',
  inputs: ['y', 'x'],
  outputs: ['y'],
  body: ({ y, x }) => ({ y: k.add(y, x) }),
});

/** `x ← prev + r·(x − prev)`: TrustedUpdater's shrink of a step. */
export const shrinkK = /*#__PURE__*/ defineKernel({
  name: 'alf_shrink',
  inputs: ['x', 'prev'],
  scalars: ['r'],
  outputs: ['x'],
  body: ({ x, prev }, { r }) => ({ x: fragments.lerp(prev, x, r) }),
});

/** Σ (x − m)² / (count − 1): the unbiased variance once `m` has been subtracted (input already centred). */
export const unbiasedVarR = /*#__PURE__*/ defineReduction({
  name: 'alf_unbiased_var',
  inputs: ['x'],
  body: ({ x }) => k.mul(x, x),
  combine: 'sum',
  finalize: (acc, count) => k.div(acc, k.sub(count, 1)),
});

/** Σ x² (a squared norm, no square root). */
export const sumSqR = /*#__PURE__*/ defineReduction({ name: 'alf_sumsq', inputs: ['x'], body: ({ x }) => k.mul(x, x), combine: 'sum' });

/** `x ← √x`. */
export const sqrtK = /*#__PURE__*/ defineKernel({ name: 'alf_sqrt', inputs: ['x'], outputs: ['x'], body: ({ x }) => ({ x: k.sqrt(x) }) });
