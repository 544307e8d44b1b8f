import { ValueError } from '@tsoptim/core';

/** `Invalid <name> value: …` unless the value (when a plain number) is ≥ 0, or > 0 when `positive`. */
export function checkNonNegative(name: string, v: unknown, positive = false): void {
  if (typeof v !== 'number') return;
  if (!(positive ? v > 0 : v >= 0)) throw new ValueError(`Invalid ${name} value: ${v}`);
}
