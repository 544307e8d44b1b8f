import { ValueError } from '@tsoptim/core';
import type { SchedulerStateDict } from '../lr-scheduler.js';

/** Checks that the listed state dict entries, where present, are numbers. */
export function checkNumbers(sd: SchedulerStateDict, keys: readonly string[]): void {
  for (const k of keys) {
    if (k in sd && typeof sd[k] !== 'number') throw new ValueError(`loaded scheduler state dict: '${k}' must be a number`);
  }
}

/** Copies the listed numeric entries, where present, onto `target` (torch key → field name). */
export function loadNumbers(target: object, sd: SchedulerStateDict, map: Record<string, string>): void {
  for (const [key, field] of Object.entries(map)) if (typeof sd[key] === 'number') (target as Record<string, unknown>)[field] = sd[key];
}
