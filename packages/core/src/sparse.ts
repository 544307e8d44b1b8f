import { ValueError } from './errors.js';
import type { Shape } from './shape.js';
import { shapeSize } from './shape.js';
import { type Tensor, tensor } from './tensor.js';

import { isSparseTensor, sparseMarker } from './sparse-marker.js';

/**
 * A sparse gradient over the leading dimension (torch's sparse COO gradient of an embedding): `values[k]` is
 * the gradient of row `indices[k]`. Rows may repeat until {@link SparseTensor.coalesce} sums them.
 */
export class SparseTensor {
  readonly shape: Shape;
  /** Row indices into the leading dimension (host memory). */
  readonly indices: Int32Array;
  /** Shape `[indices.length, ...shape.slice(1)]`. */
  readonly values: Tensor;

  constructor(shape: Shape, indices: Int32Array, values: Tensor) {
    if (shape.length === 0) throw new ValueError('a sparse tensor needs at least one dimension');
    const rowSize = shapeSize(shape.slice(1));
    if (values.size !== indices.length * rowSize) {
      throw new ValueError(`sparse values hold ${values.size} elements; ${indices.length} rows of ${rowSize} expected`);
    }
    for (const i of indices) {
      if (!Number.isInteger(i) || i < 0 || i >= shape[0]!) throw new ValueError(`sparse index ${i} is out of range for ${shape[0]} rows`);
    }
    this.shape = Object.freeze([...shape]);
    this.indices = indices;
    this.values = values;
    // Set here rather than as a class field with a computed key, so that bundlers can drop the class when unused.
    (this as unknown as Record<symbol, boolean>)[sparseMarker] = true;
  }

  static isSparse(x: unknown): x is SparseTensor {
    return isSparseTensor(x);
  }

  /** Elements per row. */
  get rowSize(): number {
    return shapeSize(this.shape.slice(1));
  }

  /** True when every row appears once, in increasing order. */
  get isCoalesced(): boolean {
    for (let i = 1; i < this.indices.length; i++) if (this.indices[i]! <= this.indices[i - 1]!) return false;
    return true;
  }

  /**
   * Rows sorted and unique, duplicates summed (torch's `coalesce()`). Returns `this` when already coalesced.
   * Reads the values synchronously: on an asynchronous backend, coalesce on the host before uploading.
   */
  coalesce(): SparseTensor {
    if (this.isCoalesced) return this;
    const rs = this.rowSize;
    const src = this.values.data;
    const order = Array.from(this.indices.keys()).sort((a, b) => this.indices[a]! - this.indices[b]! || a - b);
    const unique: number[] = [];
    for (const k of order) if (unique.length === 0 || unique[unique.length - 1] !== this.indices[k]) unique.push(this.indices[k]!);
    const out = new Float32Array(unique.length * rs);
    let row = -1;
    let last = -1;
    for (const k of order) {
      if (this.indices[k] !== last) {
        row++;
        last = this.indices[k]!;
      }
      for (let j = 0; j < rs; j++) out[row * rs + j] = out[row * rs + j]! + src[k * rs + j]!;
    }
    const values = tensor(out, { backend: this.values.backend, shape: [unique.length, ...this.shape.slice(1)] });
    return new SparseTensor(this.shape, Int32Array.from(unique), values);
  }
}
