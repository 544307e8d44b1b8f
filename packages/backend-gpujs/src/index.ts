/**
 * @tsoptim/backend-gpujs: a tsoptim backend on gpu.js. Parameters and optimizer state live on the device;
 * the optimizers of @tsoptim/optim run unchanged, from the kernel definitions in @tsoptim/core.
 *
 * Importing this package loads nothing and registers nothing: call {@link createGpuJsBackend}.
 *
 * @packageDocumentation
 */
export { createGpuJsBackend } from './create-gpujs-backend.js';
export { GpuJsBackend, type GpuJsBackendOptions, type GpuJsMemoryInfo } from './gpujs-backend.js';
export { GPUJS_MODES, type GpuJsMode, isGpuJsModeAvailable } from './gpujs-mode.js';
