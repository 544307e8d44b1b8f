import { ValueError } from './errors.js';

/** A tensor shape: the length along each dimension. `[]` is a 0-d (scalar) tensor. */
export type Shape = readonly number[];

/** Nested number arrays of any depth, as `Tensor.toArray()` returns them and torch's `tolist()` writes them. */
export type NestedArray = number | readonly NestedArray[];

/** The number of elements of a shape (1 for a 0-d shape). */
export function shapeSize(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Throws unless every entry is a non-negative integer. */
export function checkShape(shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ValueError(`Invalid shape [${shape.join(', ')}]`);
  }
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Row-major strides of a shape. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** The shape of a nested array; throws on ragged input. */
export function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0] as NestedArray;
  }
  return shape;
}

/** Flattens a nested array of the given shape in row-major order into `out`. Throws on ragged input. */
export function flattenInto(data: NestedArray, shape: Shape, out: Float32Array): void {
  let k = 0;
  const walk = (v: NestedArray, dim: number): void => {
    if (dim === shape.length) {
      if (typeof v !== 'number') throw new ValueError('expected a number at the innermost level of a nested array');
      out[k++] = v;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[dim]) {
      throw new ValueError(`ragged nested array: expected length ${shape[dim]} at dimension ${dim}`);
    }
    for (const x of v) walk(x as NestedArray, dim + 1);
  };
  walk(data, 0);
}

/** Builds a nested array of the given shape from flat row-major data. */
export function unflatten(data: ArrayLike<number>, shape: Shape): NestedArray {
  if (shape.length === 0) return data[0]!;
  let k = 0;
  const build = (dim: number): NestedArray => {
    const n = shape[dim]!;
    const out = new Array<NestedArray>(n);
    if (dim === shape.length - 1) {
      for (let i = 0; i < n; i++) out[i] = data[k++]!;
    } else {
      for (let i = 0; i < n; i++) out[i] = build(dim + 1);
    }
    return out;
  };
  return build(0);
}

/**
 * Broadcast strides of `inShape` against `outShape` (numpy rules: align right, size-1 dims repeat).
 * Returns null when the shapes do not broadcast.
 */
export function broadcastStrides(inShape: Shape, outShape: Shape): number[] | null {
  if (inShape.length > outShape.length) return null;
  const inStrides = stridesOf(inShape);
  const res = new Array<number>(outShape.length).fill(0);
  const off = outShape.length - inShape.length;
  for (let i = 0; i < inShape.length; i++) {
    const a = inShape[i]!;
    const b = outShape[i + off]!;
    if (a === b) res[i + off] = a === 1 ? 0 : inStrides[i]!;
    else if (a === 1) res[i + off] = 0;
    else return null;
  }
  return res;
}
