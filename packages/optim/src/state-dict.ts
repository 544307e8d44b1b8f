import { type NestedArray, type Tensor, unflatten } from '@tsoptim/core';

/**
 * A tensor in a state dict: its shape and a copy of its values on the host. Plain data: `structuredClone`,
 * `postMessage` (to a Worker) and `v8.serialize` copy it (as `{ shape, data }`, which `loadStateDict`
 * accepts too), and `JSON.stringify` writes it as torch's `tolist()` does.
 */
export class SavedTensor {
  readonly shape: number[];
  /** The values, row-major. */
  readonly data: Float32Array;

  constructor(shape: readonly number[], data: Float32Array) {
    this.shape = [...shape];
    this.data = data;
  }

  /** A host copy of a tensor's values (the tensor's backend must read synchronously). */
  static of(t: Tensor): SavedTensor {
    return new SavedTensor(t.shape, t.data.slice());
  }

  /** True for a saved tensor, or for the `{ shape, data }` object that cloning one gives. */
  static isSaved(x: unknown): x is SavedTensor {
    if (typeof x !== 'object' || x === null) return false;
    const o = x as { shape?: unknown; data?: unknown };
    return Array.isArray(o.shape) && o.data instanceof Float32Array && Object.keys(o).length === 2;
  }

  get size(): number {
    return this.data.length;
  }

  /** The values as nested arrays (a number for a 0-d tensor). */
  toArray(): NestedArray {
    return unflatten(this.data, this.shape);
  }

  /** Nested arrays, as torch's `tolist()`. */
  toJSON(): NestedArray {
    return this.toArray();
  }
}

/**
 * A saved value: a tensor (a {@link SavedTensor}, its nested-list JSON form, or a Tensor on a backend
 * without synchronous reads), a number, a list of tensors, or a flag.
 */
export type StateValue = SavedTensor | Tensor | NestedArray | readonly StateValue[] | boolean | string | null;

/**
 * An optimizer state dict in torch's layout. Parameters are numbered across groups in order; option and
 * state keys are spelled as torch spells them (`weight_decay`, `exp_avg_sq`).
 *
 * @example
 * { state: { 0: { step: 3, exp_avg: [...], exp_avg_sq: [...] } },
 *   param_groups: [{ lr: 0.001, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, ..., params: [0] }] }
 */
export interface StateDict {
  state: Record<string, Record<string, StateValue | unknown>>;
  param_groups: Array<Record<string, unknown> & { params: number[] }>;
  /**
   * The step schedule-valued options are evaluated at; present only when some option is a schedule (a
   * tsoptim addition that torch ignores).
   */
  schedule_step?: number;
}
