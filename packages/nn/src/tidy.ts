import { runScoped } from './internal/alloc.js';

/**
 * Runs `fn` (typically one training step) and then releases every tensor that this package's operations
 * allocated inside it — activations, saved values, temporary gradients — except the tensors (or variables)
 * `fn` returns, and the gradients it left in `Parameter.grad`. A gradient that a parameter later lets go of
 * (`zeroGrad()` setting it to null) is released at the end of the next `tidy`.
 *
 * Why: on the CPU backend tensors live in a WebAssembly memory that is otherwise reclaimed only after garbage
 * collection, and the collector's clean-up never runs inside a synchronous training loop, so without `tidy`
 * the memory grows with every step until the loop yields to the event loop.
 *
 * Variables made inside must not be used after it returns (their storage is released), unless returned.
 * Scopes nest; tensors made with core's factories (inputs, optimizer state) are not affected.
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
