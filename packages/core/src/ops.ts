import { defineKernel, defineReduction } from './kernel/define.js';
import { abs, add, max, mul, sqrt } from './kernel/expr.js';
import { ValueError } from './errors.js';
import type { Shape } from './shape.js';
import { type Tensor, zeros } from './tensor.js';

/** Σ x. */
export const sumReduction = /*#__PURE__*/ defineReduction({ name: 'sum', inputs: ['x'], body: ({ x }) => x, combine: 'sum' });
/** mean(x). */
export const meanReduction = /*#__PURE__*/ defineReduction({
  name: 'mean',
  inputs: ['x'],
  body: ({ x }) => x,
  combine: 'sum',
  finalize: (acc, count) => ({ kind: 'binary', op: 'div', a: acc, b: count }),
});
/** Σ x². */
export const sumSquaresReduction = /*#__PURE__*/ defineReduction({
  name: 'sumsq',
  inputs: ['x'],
  body: ({ x }) => mul(x, x),
  combine: 'sum',
});
/** mean(x²). */
export const meanSquaresReduction = /*#__PURE__*/ defineReduction({
  name: 'meansq',
  inputs: ['x'],
  body: ({ x }) => mul(x, x),
  combine: 'sum',
  finalize: (acc, count) => ({ kind: 'binary', op: 'div', a: acc, b: count }),
});
/** ‖x‖₂ = sqrt(Σ x²). */
export const normReduction = /*#__PURE__*/ defineReduction({
  name: 'norm',
  inputs: ['x'],
  body: ({ x }) => mul(x, x),
  combine: 'sum',
  finalize: (acc) => sqrt(acc),
});
/** Σ a·b. */
export const dotReduction = /*#__PURE__*/ defineReduction({
  name: 'dot',
  inputs: ['a', 'b'],
  body: ({ a, b }) => mul(a, b),
  combine: 'sum',
});
/** max x. */
export const maxReduction = /*#__PURE__*/ defineReduction({ name: 'max', inputs: ['x'], body: ({ x }) => x, combine: 'max' });
/** min x. */
export const minReduction = /*#__PURE__*/ defineReduction({ name: 'min', inputs: ['x'], body: ({ x }) => x, combine: 'min' });
/** max |x| (the infinity norm). */
export const absMaxReduction = /*#__PURE__*/ defineReduction({ name: 'absmax', inputs: ['x'], body: ({ x }) => abs(x), combine: 'max' });

/** `y ← y + alpha·x`. */
export const axpyKernel = /*#__PURE__*/ defineKernel({
  name: 'axpy',
  inputs: ['x', 'y'],
  scalars: ['alpha'],
  outputs: ['y'],
  body: ({ x, y }, { alpha }) => ({ y: add(y, mul(alpha, x)) }),
});
/** `x ← alpha·x`. */
export const scaleKernel = /*#__PURE__*/ defineKernel({
  name: 'scale',
  inputs: ['x'],
  scalars: ['alpha'],
  outputs: ['x'],
  body: ({ x }, { alpha }) => ({ x: mul(alpha, x) }),
});
/** `out ← a·b` (b may broadcast: a per-row or scalar tensor). */
export const mulKernel = /*#__PURE__*/ defineKernel({
  name: 'mul',
  inputs: ['a', 'b'],
  outputs: ['out'],
  body: ({ a, b }) => ({ out: mul(a, b) }),
});
/** `x ← max(x, y)` elementwise. */
export const maximumKernel = /*#__PURE__*/ defineKernel({
  name: 'maximum',
  inputs: ['x', 'y'],
  outputs: ['x'],
  body: ({ x, y }) => ({ x: max(x, y) }),
});

function reducedShape(shape: Shape, axes: readonly number[] | undefined, keepDims: boolean): number[] {
  if (axes === undefined) return keepDims ? shape.map(() => 1) : [];
  const rank = shape.length;
  const set = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
  for (const a of set) {
    if (!Number.isInteger(a) || a < 0 || a >= rank) {
      throw new ValueError(`Dimension out of range (expected to be in range of [${-rank}, ${rank - 1}], but got ${a})`);
    }
  }
  return shape.flatMap((d, i) => (set.has(i) ? (keepDims ? [1] : []) : [d]));
}

/** Options of the reduction helpers; the same names as `@tsoptim/nn`'s (torch's `dim` and `keepdim`). */
export interface ReduceOptions {
  /** Dimension(s) to reduce (negative counts from the end); all when omitted. */
  readonly dim?: number | readonly number[];
  /** Keep reduced dimensions with size 1 (torch's `keepdim`). */
  readonly keepDim?: boolean;
  /** @deprecated The former name of `dim`. */
  readonly axes?: readonly number[];
  /** @deprecated The former name of `keepDim`. */
  readonly keepDims?: boolean;
  /** Write into this tensor instead of allocating one. */
  readonly out?: Tensor;
}

/** The dimensions a reduction's options name (`dim`, or the former `axes`); undefined for all. */
export function reductionDims(options: ReduceOptions): readonly number[] | undefined {
  const d = options.dim ?? options.axes;
  return typeof d === 'number' ? [d] : d;
}

function runReduction(kernel: Parameters<Tensor['backend']['reduce']>[0], tensors: Record<string, Tensor>, options: ReduceOptions): Tensor {
  const first = Object.values(tensors)[0]!;
  const axes = reductionDims(options);
  const out =
    options.out ?? zeros(reducedShape(first.shape, axes, options.keepDim ?? options.keepDims ?? false), { backend: first.backend });
  first.backend.reduce(kernel, axes === undefined ? { tensors, out } : { tensors, out, axes });
  return out;
}

/** Σ x (over all elements, or along `dim`), as a tensor on x's backend. */
export function sum(x: Tensor, options: ReduceOptions = {}): Tensor {
  return runReduction(sumReduction, { x }, options);
}
/** mean(x), as a tensor on x's backend. */
export function mean(x: Tensor, options: ReduceOptions = {}): Tensor {
  return runReduction(meanReduction, { x }, options);
}
/** ‖x‖₂, as a tensor on x's backend. */
export function norm(x: Tensor, options: ReduceOptions = {}): Tensor {
  return runReduction(normReduction, { x }, options);
}
/** Σ a·b over all elements, as a 0-d tensor. */
export function dot(a: Tensor, b: Tensor, options: ReduceOptions = {}): Tensor {
  return runReduction(dotReduction, { a, b }, options);
}
/** max x, as a tensor. */
export function maxOf(x: Tensor, options: ReduceOptions = {}): Tensor {
  return runReduction(maxReduction, { x }, options);
}
/** max |x|, as a tensor. */
export function absMax(x: Tensor, options: ReduceOptions = {}): Tensor {
  return runReduction(absMaxReduction, { x }, options);
}
/** `y ← y + alpha·x` in place. */
export function axpy_(y: Tensor, alpha: number, x: Tensor): Tensor {
  y.backend.run(axpyKernel, { tensors: { x, y }, scalars: { alpha } });
  return y;
}
/** `x ← alpha·x` in place. */
export function scale_(x: Tensor, alpha: number): Tensor {
  x.backend.run(scaleKernel, { tensors: { x }, scalars: { alpha } });
  return x;
}
