import type { ReduceArgs, RunArgs } from '../backend.js';
import { ValueError } from '../errors.js';
import { type Shape, broadcastStrides, shapeSize } from '../shape.js';
import type { TensorHandle as Tensor } from '../backend.js';
import { isTensorHandle } from '../tensor-marker.js';
import type { ElementwiseKernel, ReductionKernel } from './define.js';

/** How one tensor is indexed by a kernel run. */
export type BindingMode = 'full' | 'scalar' | 'broadcast' | 'compact';

/**
 * A kernel run checked and resolved, shared by every backend: which tensor each name is bound to and how it
 * is indexed. Checks are per call, never per element.
 */
export interface RunPlan {
  /** Elements visited. */
  readonly n: number;
  /** Shape of the first output (the iteration space). */
  readonly outShape: Shape;
  /** Inputs then outputs that are not inputs, in that order. */
  readonly names: readonly string[];
  readonly tensors: readonly Tensor[];
  readonly modes: readonly BindingMode[];
  /** Per-dimension strides of each broadcast binding (null otherwise). */
  readonly strides: readonly (readonly number[] | null)[];
  readonly scalars: readonly number[];
  /** A key that identifies the compiled variant (modes and ranks). */
  readonly signature: string;
}

function need(kernel: { name: string }, args: RunArgs | ReduceArgs, name: string): Tensor {
  const t = args.tensors[name];
  if (!isTensorHandle(t)) throw new ValueError(`kernel ${kernel.name}: tensor '${name}' is missing`);
  if (t.isDisposed) throw new ValueError(`kernel ${kernel.name}: tensor '${name}' has been disposed`);
  return t;
}

function scalarValues(
  kernel: { name: string; scalars: readonly string[] },
  scalars: Readonly<Record<string, number>> | undefined,
): number[] {
  return kernel.scalars.map((s) => {
    const v = scalars?.[s];
    if (typeof v !== 'number') throw new ValueError(`kernel ${kernel.name}: scalar '${s}' is missing`);
    return v;
  });
}

/** Resolves an elementwise run. Throws a {@link ValueError} naming the problem. */
export function planRun(kernel: ElementwiseKernel, args: RunArgs): RunPlan {
  const names = [...kernel.inputs, ...kernel.outputs.filter((o) => !kernel.inputs.includes(o as never))];
  const tensors = names.map((n) => need(kernel, args, n));
  const first = need(kernel, args, kernel.outputs[0]!);
  const rows = args.rows;
  const outShape = rows ? [rows.indices.length, rows.rowSize] : first.shape;
  const n = rows ? rows.indices.length * rows.rowSize : first.size;
  const modes: BindingMode[] = [];
  const strides: (number[] | null)[] = [];
  const backend = first.backend;
  names.forEach((name, i) => {
    const t = tensors[i]!;
    if (t.backend !== backend) throw new ValueError(`kernel ${kernel.name}: tensor '${name}' is on another backend`);
    const isOutput = kernel.outputs.includes(name as never);
    if (rows) {
      if (rows.compact.includes(name)) {
        if (t.size !== n) throw new ValueError(`kernel ${kernel.name}: compact tensor '${name}' has ${t.size} elements, ${n} expected`);
        modes.push('compact');
      } else {
        if (t.size % rows.rowSize !== 0 || t.shape.length === 0) {
          throw new ValueError(`kernel ${kernel.name}: tensor '${name}' is not made of rows of ${rows.rowSize}`);
        }
        modes.push('full');
      }
      strides.push(null);
      return;
    }
    if (t.size === n) {
      modes.push('full');
      strides.push(null);
    } else if (!isOutput && t.size === 1) {
      modes.push('scalar');
      strides.push(null);
    } else {
      const s = isOutput ? null : broadcastStrides(t.shape, outShape);
      if (s === null) {
        throw new ValueError(`kernel ${kernel.name}: tensor '${name}' of shape [${t.shape}] does not match the output shape [${outShape}]`);
      }
      modes.push('broadcast');
      strides.push(s);
    }
  });
  if (rows) {
    // Rows index the full tensors (the first output may be compact: a gather from selected rows).
    let fullRows = Number.POSITIVE_INFINITY;
    tensors.forEach((t, i) => {
      if (modes[i] === 'full') fullRows = Math.min(fullRows, t.size / rows.rowSize);
    });
    for (const r of rows.indices) if (r < 0 || r >= fullRows) throw new ValueError(`kernel ${kernel.name}: row ${r} is out of range`);
  }
  const signature = `${rows ? 'rows' : outShape.length}:${modes.map((m, i) => (m === 'broadcast' ? `b${strides[i]!.length}` : m[0])).join('')}`;
  return { n, outShape, names, tensors, modes, strides, scalars: scalarValues(kernel, args.scalars), signature };
}

/** A reduction run checked and resolved. */
export interface ReducePlan {
  readonly n: number;
  readonly inShape: Shape;
  readonly tensors: readonly Tensor[];
  /** 'full' or 'scalar' per input. */
  readonly modes: readonly BindingMode[];
  /** Per input dimension: the stride into the output (0 for a reduced dimension). */
  readonly outStrides: readonly number[];
  /** Number of elements combined into each output element. */
  readonly count: number;
  readonly outSize: number;
  readonly scalars: readonly number[];
  /** True when every dimension is reduced. */
  readonly all: boolean;
  readonly signature: string;
}

/** Resolves a reduction. Throws a {@link ValueError} naming the problem. */
export function planReduce(kernel: ReductionKernel, args: ReduceArgs): ReducePlan {
  const tensors = kernel.inputs.map((n) => need(kernel, args, n));
  const first = tensors[0]!;
  const inShape = first.shape;
  const n = first.size;
  const modes = tensors.map((t, i) => {
    if (t.backend !== first.backend) throw new ValueError(`reduction ${kernel.name}: tensor '${kernel.inputs[i]}' is on another backend`);
    if (t.size === n) return 'full' as const;
    if (t.size === 1) return 'scalar' as const;
    throw new ValueError(`reduction ${kernel.name}: tensor '${kernel.inputs[i]}' has ${t.size} elements, ${n} expected`);
  });
  const rank = inShape.length;
  const axes = new Set<number>();
  for (const a of args.axes ?? inShape.map((_, i) => i)) {
    const ax = a < 0 ? a + rank : a;
    if (!Number.isInteger(ax) || ax < 0 || ax >= rank) {
      throw new ValueError(`Dimension out of range (expected to be in range of [${-rank}, ${rank - 1}], but got ${a})`);
    }
    axes.add(ax);
  }
  const kept = inShape.filter((_, i) => !axes.has(i));
  const outSize = shapeSize(kept);
  if (args.out.size !== outSize) {
    throw new ValueError(`reduction ${kernel.name}: output has ${args.out.size} elements, ${outSize} expected`);
  }
  const outStrides = new Array<number>(rank).fill(0);
  let acc = 1;
  for (let i = rank - 1; i >= 0; i--) {
    if (!axes.has(i)) {
      outStrides[i] = acc;
      acc *= inShape[i]!;
    }
  }
  const count = outSize === 0 ? 0 : n / outSize;
  const all = kept.length === 0;
  const signature = `${all ? 'all' : `r${rank}`}:${modes.map((m) => m[0]).join('')}`;
  return { n, inShape, tensors, modes, outStrides, count, outSize, scalars: scalarValues(kernel, args.scalars), all, signature };
}
