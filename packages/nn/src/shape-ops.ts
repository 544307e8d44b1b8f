import { RuntimeError, type Shape, type Tensor, shapeSize } from '@tsoptim/core';
import { zeros } from './internal/alloc.js';
import { normDim } from './internal/shape-utils.js';
import { type Input, Variable, record } from './variable.js';

function copyWithShape(t: Tensor, shape: Shape): Tensor {
  const out = zeros(shape, { backend: t.backend });
  out.copy_(t);
  return out;
}

/**
 * The same elements in a new shape (row-major order; one entry may be -1 and is inferred), as torch's
 * `reshape`. The result has its own storage.
 *
 * @param x - a variable or tensor.
 * @param shape - the new shape.
 * @throws RuntimeError when the sizes differ or more than one entry is -1.
 * @example
 * const flat = reshape(images, [batch, -1]);
 */
export function reshape(x: Input, shape: readonly number[]): Variable {
  const v = Variable.from(x);
  const infer = shape.filter((d) => d === -1).length;
  if (infer > 1) throw new RuntimeError('only one dimension can be inferred');
  const known = shapeSize(shape.filter((d) => d !== -1));
  const resolved = shape.map((d) => (d === -1 ? (known === 0 ? 0 : v.size / known) : d));
  if (resolved.some((d) => !Number.isInteger(d) || d < 0) || shapeSize(resolved) !== v.size) {
    throw new RuntimeError(`shape '[${shape.join(', ')}]' is invalid for input of size ${v.size}`);
  }
  const out = copyWithShape(v.value, resolved);
  return record('reshape', out, [v], (g) => [copyWithShape(g, v.shape)]);
}

function permuteSwap(t: Tensor, d0: number, d1: number): Tensor {
  const perm = t.shape.map((_, i) => i);
  [perm[d0], perm[d1]] = [d1, d0];
  const out = zeros(
    perm.map((d) => t.shape[d]!),
    { backend: t.backend },
  );
  t.backend.permute({ src: t, out, perm });
  return out;
}

/**
 * Swaps two dimensions (torch's `transpose`; the default swaps the last two). The result has its own
 * storage, written by the backend's `permute`.
 *
 * @param x - a variable or tensor.
 * @param dim0 - first dimension (default -2).
 * @param dim1 - second dimension (default -1).
 * @throws RuntimeError when a dimension is out of range.
 * @example
 * const wt = transpose(w); // [out, in] → [in, out]
 */
export function transpose(x: Input, dim0 = -2, dim1 = -1): Variable {
  const v = Variable.from(x);
  const d0 = normDim(dim0, v.ndim);
  const d1 = normDim(dim1, v.ndim);
  if (v.ndim < 2 || d0 === d1) {
    const out = copyWithShape(v.value, v.shape);
    return record('transpose', out, [v], (g) => [g]);
  }
  return record('transpose', permuteSwap(v.value, d0, d1), [v], (g) => [permuteSwap(g, d0, d1)]);
}

/**
 * Rows of `x` picked by index along the first dimension (torch's `index_select(x, 0, indices)`, an
 * embedding lookup): the result is `[indices.length, ...x.shape.slice(1)]`. Rows may repeat. Backward adds
 * each output row's gradient into its source row (a dense gradient).
 *
 * @param x - `[rows, ...]`.
 * @param indices - row numbers in `[0, rows)`.
 * @throws RuntimeError when an index is out of range.
 * @example
 * const vectors = gatherRows(embedding.weight, Int32Array.from([3, 1, 3]));
 */
export function gatherRows(x: Input, indices: Int32Array | readonly number[]): Variable {
  const v = Variable.from(x);
  if (v.ndim === 0) throw new RuntimeError('gatherRows expects an input with at least one dimension');
  const rowsN = v.shape[0]!;
  const idx = Int32Array.from(indices);
  for (const i of idx) {
    if (i < 0 || i >= rowsN) throw new RuntimeError(`index ${i} is out of bounds for dimension 0 with size ${rowsN}`);
  }
  const t = v.value;
  const out = zeros([idx.length, ...v.shape.slice(1)], { backend: t.backend });
  if (out.size > 0) t.backend.gatherRows({ src: t, out, indices: idx });
  return record('gatherRows', out, [v], (g) => {
    const dx = zeros(v.shape, { backend: t.backend });
    if (g.size > 0) t.backend.scatterAddRows({ src: g, out: dx, indices: idx });
    return [dx];
  });
}
