export type { Backend, MemoryStats, ReduceArgs, RowSelection, RunArgs, TensorHandle } from './backend.js';
export { memoryStats } from './memory-stats.js';
export {
  CpuBackend,
  type CpuBackendOptions,
  type CpuMemoryStats,
  CpuStorage,
  sharedMemoryAvailable,
} from './cpu/cpu-backend.js';
export type { CpuGemm, CpuGemmContext, CpuGemmFactory } from './cpu/linalg-cpu.js';
export { enableSimdGemm, simdGemm } from './cpu/simd-gemm.js';
export { defaultBackend, setDefaultBackend } from './default-backend.js';
export { RuntimeError, TsoptimError, TypeError_, ValueError } from './errors.js';
export {
  type ElementwiseKernel,
  type ReductionKernel,
  defineKernel,
  defineReduction,
  kernelFamily,
} from './kernel/define.js';
export { type JsDialect, emitJs, jsNumber } from './kernel/emit-js.js';
export { evalHost, uniformTest } from './kernel/uniform.js';
export * as k from './kernel/expr.js';
export type { BinaryOp, Expr, ExprLike, UnaryOp } from './kernel/expr.js';
export {
  type MatmulArgs,
  type MatmulPlan,
  type PermuteArgs,
  type PermutePlan,
  type RowsArgs,
  type RowsPlan,
  planMatmul,
  planPermute,
  planRows,
} from './kernel/linalg.js';
export { type BindingMode, type ReducePlan, type RunPlan, planReduce, planRun } from './kernel/plan.js';
export * from './ops.js';
export { Parameter, type ParameterInit, type ParameterOptions, parameter } from './parameter.js';
export { type Rng, createRng, rand, randn } from './random.js';
export {
  type NestedArray,
  type Shape,
  broadcastStrides,
  inferShape,
  shapeSize,
  shapesEqual,
  stridesOf,
  unflatten,
} from './shape.js';
export { SparseTensor } from './sparse.js';
export { isSparseTensor } from './sparse-marker.js';
export { Tensor, type TensorData, type TensorOptions, disposeSymbol, full, tensor, zeros } from './tensor.js';
