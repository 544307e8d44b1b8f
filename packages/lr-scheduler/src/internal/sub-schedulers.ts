import { TsoptimError, TypeError_, ValueError } from '@tsoptim/core';
import type { Optimizer } from '@tsoptim/optim';
import type { LRScheduler, SchedulerStateDict } from '../lr-scheduler.js';

/** Rejects what torch's SequentialLR and ChainedScheduler reject. */
export function checkSubSchedulers(kind: string, optimizer: Optimizer, schedulers: readonly LRScheduler[]): void {
  schedulers.forEach((s, i) => {
    if (typeof s !== 'object' || s === null || !('optimizer' in s)) {
      throw new TypeError_(`${kind} at index ${i} should have \`optimizer\` as its attribute.`);
    }
    if ((s as { isReduceLROnPlateau?: boolean }).isReduceLROnPlateau === true) {
      throw new ValueError(
        `${kind} does not support \`ReduceLROnPlateau\` scheduler as it requires additional kwargs to be specified when calling \`step\`, but got one at index ${i} in the given schedulers sequence.`,
      );
    }
    if (s.optimizer !== optimizer) {
      throw new ValueError(
        `${kind} expects all schedulers to belong to the same optimizer, but got scheduler ${s.constructor.name} at index ${i} has ${s.optimizer?.constructor?.name}, which is different from ${optimizer.constructor.name}.`,
      );
    }
  });
}

/** Checks each saved sub-scheduler dict with its scheduler's own checks; a failure names its index. */
export function checkSubStateDicts(schedulers: readonly LRScheduler[], subs: readonly unknown[]): void {
  schedulers.forEach((s, i) => {
    try {
      s.checkStateDict(subs[i] as SchedulerStateDict);
    } catch (e) {
      if (!TsoptimError.isInstance(e)) throw e;
      throw new ValueError(`loaded scheduler state dict: '_schedulers'[${i}]: ${e.message}`, { cause: e });
    }
  });
}
