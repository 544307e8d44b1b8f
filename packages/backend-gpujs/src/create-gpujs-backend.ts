import { RuntimeError, ValueError } from '@tsoptim/core';
import { GpuJsBackend, type GpuJsBackendOptions } from './gpujs-backend.js';
import { GPUJS_MODES, kernelClassOf, unavailableReason } from './gpujs-mode.js';
import { loadGpuJs } from './internal/gpujs-types.js';

/**
 * Creates a gpu.js backend in the requested mode. Nothing happens at import time: gpu.js (and, in headlessgl
 * mode, the `gl` native module) is loaded here, on the first call.
 *
 * The mode is checked, never guessed: when gpu.js cannot run it here, this rejects instead of falling back to
 * gpu.js's CPU kernels, and every kernel call afterwards checks that the mode's kernel class ran it.
 *
 * @param options - the mode and the backend's options; see {@link GpuJsBackendOptions}.
 * @returns the backend; pass it to tensor factories (`tensor(data, { backend })`, `zeros(shape, { backend })`)
 *   or make it the default with `setDefaultBackend(backend)`.
 * @throws {ValueError} for an unknown mode, `syncRead` in an asynchronous mode, or `kernelMap` in webgpu mode.
 * @throws {RuntimeError} when the mode is not available here (the message says why).
 *
 * @example
 * import { createGpuJsBackend } from '@tsoptim/backend-gpujs';
 * import { parameter } from '@tsoptim/core';
 *
 * const gpu = await createGpuJsBackend({ mode: 'headlessgl' });
 * const w = parameter([0.5, -1, 2], { backend: gpu });
 * // ... train ...
 * console.log(await w.read());
 * await gpu.destroy();
 */
export async function createGpuJsBackend(options: GpuJsBackendOptions): Promise<GpuJsBackend> {
  const { mode } = options;
  if (!GPUJS_MODES.includes(mode)) {
    throw new ValueError(`unknown gpu.js mode '${String(mode)}' (expected one of ${GPUJS_MODES.join(', ')})`);
  }
  const asyncMode = mode === 'webgpu' || options.asyncMode === true;
  if (options.syncRead === true && asyncMode) {
    throw new ValueError(`syncRead is not available in an asynchronous mode (${mode}${mode === 'webgpu' ? '' : ' with asyncMode'})`);
  }
  if (options.kernelMap === true && mode === 'webgpu') {
    throw new ValueError("gpu.js's webgpu mode has no createKernelMap; leave kernelMap unset there");
  }
  const mod = await loadGpuJs();
  const reason = await unavailableReason(mod, mode);
  if (reason !== null) throw new RuntimeError(`gpu.js mode '${mode}' is not available here: ${reason}`);
  const settings: Record<string, unknown> = { mode };
  if (options.canvas !== undefined) settings['canvas'] = options.canvas;
  if (options.context !== undefined) settings['context'] = options.context;
  const gpu = new mod.GPU(settings);
  const kernelClass = kernelClassOf(mod, mode);
  if (gpu.Kernel !== kernelClass) {
    await gpu.destroy();
    throw new RuntimeError(`gpu.js chose ${gpu.Kernel.name} for mode '${mode}'`);
  }
  const features = (kernelClass as { features?: { kernelMap?: boolean } }).features;
  const kernelMap = options.kernelMap ?? (mode !== 'webgpu' && features?.kernelMap === true);
  return new GpuJsBackend(gpu, kernelClass, {
    mode,
    kernelMap,
    asyncMode,
    syncRead: options.syncRead === true,
    optimizeFloatMemory: options.optimizeFloatMemory === true,
  });
}
