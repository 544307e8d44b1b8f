import { runScoped } from './internal/alloc.js';

/**
 * Runs `fn` (typically one training step) and then releases every tensor that this package's operations
 * allocated inside it — activations, saved values, temporary gradients — except the tensors (or variables)
 * `fn` returns, which then belong to the caller (or to the enclosing `tidy`). Gradients live in the
 * parameters' own storage and are not affected.
 *
 * Optional: without it, `backward()` and `noGrad()` release what this package made on their own schedule
 * (see the package README, "Memory"). `tidy` releases earlier and more precisely: nothing made inside
 * outlives it unless returned. Variables made inside must not be used after it returns, unless returned
 * (using one throws). Scopes nest; tensors made with core's factories (inputs, optimizer state) are not
 * affected.
 *
 * @param fn - the work to run; its result is returned.
 * @example
 * for (const [x, y] of batches) {
 *   const loss = tidy(() => {
 *     opt.zeroGrad();
 *     const l = crossEntropy(model.forward(x), y);
 *     l.backward();
 *     opt.step();
 *     return l.item();
 *   });
 * }
 */
export function tidy<T>(fn: () => T): T {
  return runScoped(fn);
}
