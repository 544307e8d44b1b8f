import { type GpuJsModule, loadGpuJs } from './internal/gpujs-types.js';

/**
 * The gpu.js modes this backend runs on.
 *
 * - `'headlessgl'`: WebGL 1 in Node through the `gl` native module (on a machine without a GPU, Mesa's
 *   llvmpipe behind an X display such as `xvfb-run`). Synchronous.
 * - `'webgl'`, `'webgl2'`: a browser's WebGL. Synchronous.
 * - `'webgpu'`: a browser's WebGPU, or Node with `navigator.gpu` provided (for example by the `webgpu` package).
 *   Every kernel call returns a Promise; no kernel maps.
 * - `'cpu'`: gpu.js's own JavaScript fallback, useful to test this backend without a GPU. Synchronous.
 */
export type GpuJsMode = 'headlessgl' | 'webgl' | 'webgl2' | 'webgpu' | 'cpu';

/** Every {@link GpuJsMode}. */
export const GPUJS_MODES: readonly GpuJsMode[] = ['headlessgl', 'webgl', 'webgl2', 'webgpu', 'cpu'];

/** The gpu.js kernel class that must execute every kernel of a mode (anything else is a silent fallback). */
export function kernelClassOf(mod: GpuJsModule, mode: GpuJsMode): Function {
  switch (mode) {
    case 'headlessgl':
      return mod.HeadlessGLKernel;
    case 'webgl':
      return mod.WebGLKernel;
    case 'webgl2':
      return mod.WebGL2Kernel;
    case 'webgpu':
      return mod.WebGPUKernel;
    case 'cpu':
      return mod.CPUKernel;
  }
}

/** Why a mode is not available here, or null when it is. */
export async function unavailableReason(mod: GpuJsModule, mode: GpuJsMode): Promise<string | null> {
  switch (mode) {
    case 'headlessgl':
      return mod.GPU.isHeadlessGLSupported
        ? null
        : "the 'gl' module did not load or could not create a context (build it from source and run under an X display, e.g. xvfb-run -a; see the package README)";
    case 'webgl':
      return mod.GPU.isWebGLSupported ? null : 'WebGL is not available (this mode needs a browser)';
    case 'webgl2':
      return mod.GPU.isWebGL2Supported ? null : 'WebGL 2 is not available (this mode needs a browser)';
    case 'webgpu':
      if (!mod.GPU.isWebGPUSupported) return 'navigator.gpu is not defined';
      return (await mod.GPU.isWebGPUAvailable()) ? null : 'navigator.gpu.requestAdapter() returned no adapter';
    case 'cpu':
      return null;
  }
}

/**
 * Whether gpu.js can run `mode` here (loads gpu.js; creates no backend).
 *
 * @example
 * const mode = (await isGpuJsModeAvailable('headlessgl')) ? 'headlessgl' : 'cpu';
 */
export async function isGpuJsModeAvailable(mode: GpuJsMode): Promise<boolean> {
  return (await unavailableReason(await loadGpuJs(), mode)) === null;
}
