/**
 * @tsoptim/tfjs: torch's optimizers, lr schedulers and weight averaging for TensorFlow.js models. A tsoptim
 * backend over tfjs tensors (parameters are the model's `tf.Variable`s) and a `tf.Optimizer` adapter that
 * `model.compile` / `model.fit` accept.
 *
 * Importing this package registers nothing: call {@link registerTsoptimOptimizer} to make the adapter's class
 * name known to tfjs's serialization.
 *
 * @packageDocumentation
 */
export { TfjsBackend, type TfjsBackendOptions, type TfjsMemoryInfo } from './tfjs-backend.js';
