import { TsoptimError } from '@tsoptim/core';
import { expect } from 'vitest';

/** One bad input of a strict-inputs test: what is tried, the names its error must mention, and the call. */
export interface BadInput {
  /** How the input reads in a failure message (`new Adam({ lr: 'fast' })`). */
  readonly what: string;
  /** The error message must contain one of these (the option or key, in either spelling). */
  readonly names: readonly string[];
  readonly run: () => void;
  /** A picture of everything the call could change (parameters, state, groups), taken before and after. */
  readonly snapshot?: () => string;
}

/**
 * Asserts that a bad input is refused as the house rules ask: a tsoptim error (never a native TypeError), a
 * message naming the option or key, and nothing changed (`snapshot` equal before and after).
 */
export function expectRejectedUnchanged(input: BadInput): void {
  const before = input.snapshot?.();
  let error: unknown = null;
  try {
    input.run();
  } catch (e) {
    error = e;
  }
  expect(error, `${input.what}: accepted`).not.toBeNull();
  expect(TsoptimError.isInstance(error), `${input.what}: ${String(error)}`).toBe(true);
  const message = (error as Error).message;
  expect(
    input.names.some((n) => message.includes(n)),
    `${input.what}: message ${JSON.stringify(message)} names none of ${input.names.join(', ')}`,
  ).toBe(true);
  if (input.snapshot !== undefined) expect(input.snapshot(), `${input.what}: changed something`).toBe(before);
}
