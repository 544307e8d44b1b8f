/**
 * @tsoptim/bench (private): the demo that trains an MLP on MNIST with every family of optimizers, and the
 * benchmark of optimizer steps against the memory limit, tfjs and torch. The command lines are src/demo.ts
 * and src/bench.ts; these are the same runs as functions.
 *
 * @packageDocumentation
 */
export { BACKEND_NAMES, type BackendName, CPU_BACKEND_NAMES, createBenchBackend } from './backends.js';
export { BENCH_ALGORITHMS, type BenchAlgorithm } from './bench-algorithms.js';
export { DEFAULT_OPTIMIZER_IDS, DEMO_OPTIMIZERS, type DemoOptimizer } from './demo-optimizers.js';
export { type DigitSet, type MnistSplit, loadMnist } from './mnist-data.js';
export { type BenchOptions, type BenchOutcome, type BenchResult, FULL_SHAPES, QUICK_SHAPES, runBench } from './run-bench.js';
export { DEMO_DEFAULTS, type DemoOptions, type DemoOutcome, MODEL_DEFAULTS, runDemo } from './run-demo.js';
export { type RunResult, type ScheduleName, type TrainSettings, createMlp, evaluate, trainRun } from './train.js';
