import { RuntimeError, type Shape, Tensor, shapesEqual } from '@tsoptim/core';
import { retag, sum, zeros } from './alloc.js';

export { retag };

/** Formats a shape as torch prints it: `torch.Size([2, 3])`. */
export function torchSize(shape: Shape): string {
  return `torch.Size([${shape.join(', ')}])`;
}

/** The broadcast shape of two shapes (numpy rules), or a torch-worded error. */
export function broadcastShape(a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const ai = i - (n - a.length);
    const bi = i - (n - b.length);
    const da = ai >= 0 ? a[ai]! : 1;
    const db = bi >= 0 ? b[bi]! : 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new RuntimeError(`The size of tensor a (${da}) must match the size of tensor b (${db}) at non-singleton dimension ${i}`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Normalises a dimension index (negative counts from the end) with torch's range error. */
export function normDim(dim: number, rank: number): number {
  const r = Math.max(rank, 1);
  if (!Number.isInteger(dim) || dim < -r || dim >= r) {
    throw new RuntimeError(`Dimension out of range (expected to be in range of [${-r}, ${r - 1}], but got ${dim})`);
  }
  return dim < 0 ? dim + r : dim;
}

/**
 * A second handle on `t`'s storage with another shape of the same size. Only for transient, read-only use as a
 * kernel input right away (a device backend may replace the storage of tensors it writes).
 */
export function viewAs(t: Tensor, shape: Shape): Tensor {
  return shapesEqual(t.shape, shape) ? t : new Tensor(t.backend, shape, t.storage);
}

/** `shape` with the reduced axes kept as 1. */
export function keptShape(shape: Shape, axes: readonly number[]): number[] {
  const set = new Set(axes);
  return shape.map((d, i) => (set.has(i) ? 1 : d));
}

/** Sums a broadcast gradient back to `shape` (the inverse of broadcasting). Returns `g` itself when equal. */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  if (axes.length === 0) {
    const t = zeros(shape, { backend: g.backend });
    t.copy_(g);
    return t;
  }
  return retag(sum(g, { axes }), shape);
}

/** Flattens a nested array of `shape` into `out` (row-major); throws on ragged or non-numeric input. */
export function flattenChecked(data: unknown, shape: readonly number[], out: Float32Array): void {
  let k = 0;
  const walk = (v: unknown, dim: number): void => {
    if (dim === shape.length) {
      if (typeof v !== 'number') throw new Error(`expected a number at the innermost level, got ${v === null ? 'null' : typeof v}`);
      out[k++] = v;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[dim])
      throw new Error(`ragged nested array: expected length ${shape[dim]} at dimension ${dim}`);
    for (const x of v) walk(x, dim + 1);
  };
  walk(data, 0);
}
