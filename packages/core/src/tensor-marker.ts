import type { TensorHandle } from './backend.js';

/** The mark every `Tensor` carries, shared by every installed copy of @tsoptim/core. */
export const tensorMarker = Symbol.for('@tsoptim/tensor');

/** True for a tensor from any installed copy of @tsoptim/core (`Tensor.isTensor` without importing `Tensor`). */
export function isTensorHandle(x: unknown): x is TensorHandle {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[tensorMarker] === true;
}
