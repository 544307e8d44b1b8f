import { inScope, runEvaluation } from './internal/alloc.js';

let enabled = true;

/** True unless inside {@link noGrad}: operations then record what `backward()` needs. */
export function isGradEnabled(): boolean {
  return enabled;
}

/**
 * Runs `fn` without recording operations (torch's `with torch.no_grad():`): results do not require
 * gradients and nothing is kept for a backward pass. Restores the previous mode, also when `fn` throws.
 *
 * Memory: called outside {@link tidy} and outside another `noGrad`, it releases every tensor this package
 * made inside `fn` except those in its result, and releases that result when the second top-level `noGrad`
 * after it returns — so an evaluation loop runs in bounded memory without `tidy()`. Use `keep(result)` to
 * hold a result longer.
 *
 * @param fn - the work to run; its result is returned.
 * @example
 * const logits = noGrad(() => model.forward(testInputs));
 */
export function noGrad<T>(fn: () => T): T {
  if (!inScope()) return runEvaluation(() => withGradMode(false, fn));
  return withGradMode(false, fn);
}

/**
 * Runs `fn` with recording switched on, also inside {@link noGrad} (torch's `torch.enable_grad()`).
 *
 * @param fn - the work to run; its result is returned.
 * @example
 * noGrad(() => enableGrad(() => loss(model.forward(x)).backward()));
 */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

function withGradMode<T>(mode: boolean, fn: () => T): T {
  const prev = enabled;
  enabled = mode;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}
