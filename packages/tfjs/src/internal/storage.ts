import type { Tensor as TfTensor, Variable } from '@tensorflow/tfjs-core';

/**
 * How a storage holds its tfjs value.
 * - `own`: a tensor the backend made; replaced after each run, the old one disposed at once.
 * - `variable`: a `tf.Variable` lent by a model; written with `assign` (no copy), never disposed here.
 * - `borrowed`: a tensor lent for a while (a gradient during `applyGradients`); read-only, never disposed here.
 */
export type StorageKind = 'own' | 'variable' | 'borrowed';

/** The handle a tsoptim tensor on the tfjs backend holds. */
export class TfjsStorage {
  value: TfTensor | null;
  kind: StorageKind;
  released = false;

  constructor(
    readonly size: number,
    value: TfTensor | null,
    kind: StorageKind,
  ) {
    this.value = value;
    this.kind = kind;
  }

  get variable(): Variable | null {
    return this.kind === 'variable' ? (this.value as Variable) : null;
  }
}
