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
export { TfjsBackend, type TfjsBackendOptions, type TfjsKernelRuns, type TfjsMemoryInfo } from './tfjs-backend.js';
export {
  type OptimizerFactory,
  TsoptimOptimizer,
  type TsoptimOptimizerOptions,
  type VariableSource,
  registerTsoptimOptimizer,
} from './tsoptim-optimizer.js';
export {
  type CallbackInterval,
  type FitCallback,
  type SchedulerCallbackOptions,
  type SteppableScheduler,
  schedulerCallback,
} from './callbacks.js';
export {
  TfjsAveragedModel,
  type TfjsAveragedModelOptions,
  type WeightedModel,
  averagingCallback,
  updateBatchNorm,
} from './averaged-model.js';
