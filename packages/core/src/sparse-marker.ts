import type { SparseTensor } from './sparse.js';

/** The mark every `SparseTensor` carries, shared by every installed copy of @tsoptim/core. */
export const sparseMarker = Symbol.for('@tsoptim/sparse');

/**
 * True for a {@link SparseTensor} from any installed copy of @tsoptim/core (`SparseTensor.isSparse` without
 * importing the class, so that code which only tells sparse gradients apart does not ship it).
 */
export function isSparseTensor(x: unknown): x is SparseTensor {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[sparseMarker] === true;
}
