import type { NestedArray, Tensor } from '@tsoptim/core';

/** A saved value: a tensor (or its nested-list JSON form), a number, a list of tensors, or a flag. */
export type StateValue = Tensor | NestedArray | readonly StateValue[] | boolean | string | null;

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
