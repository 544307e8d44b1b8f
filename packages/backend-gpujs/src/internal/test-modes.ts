import type { GpuJsBackendOptions } from '../gpujs-backend.js';
import { isGpuJsModeAvailable } from '../gpujs-mode.js';

/**
 * Which real (non-CPU) gpu.js mode the tests run in, shared by the test files.
 *
 * `TSOPTIM_REQUIRE_GPU_MODE=headlessgl` (set by CI) makes the mode mandatory: the tests fail when it is not
 * available, and every kernel is checked to have run on gpu.js's HeadlessGLKernel. Without it, the
 * headlessgl tests are skipped with a visible note where the mode is not available (a machine with only
 * Node), and the suites still run in gpu.js's cpu mode.
 */
export interface GpuTestMode {
  readonly mode: 'headlessgl';
  readonly available: boolean;
  readonly required: boolean;
  /** Shown in the skipped suite's name. */
  readonly note: string;
}

export async function gpuTestMode(): Promise<GpuTestMode> {
  const wanted = process.env['TSOPTIM_REQUIRE_GPU_MODE'];
  if (wanted !== undefined && wanted !== '' && wanted !== 'headlessgl') {
    throw new Error(`TSOPTIM_REQUIRE_GPU_MODE=${wanted}: only 'headlessgl' can be required in Node`);
  }
  const required = wanted === 'headlessgl';
  const available = await isGpuJsModeAvailable('headlessgl');
  const note = available
    ? ''
    : "SKIPPED: gpu.js headlessgl mode is not available here (run tooling/ci/setup-gpujs.sh, then the tests under 'xvfb-run -a'; TSOPTIM_REQUIRE_GPU_MODE=headlessgl makes this a failure)";
  if (!available && !required) console.warn(`[@tsoptim/backend-gpujs] ${note}`);
  return { mode: 'headlessgl', available, required, note };
}

/** One gpu.js configuration the suites run in (`gpu`: it needs the real mode, see {@link gpuTestMode}). */
export interface GpuTestConfig {
  readonly label: string;
  readonly options: GpuJsBackendOptions;
  readonly gpu: boolean;
}

/**
 * The configurations every suite runs in: headlessgl with kernel maps, without them (one kernel per output;
 * 2×2 matmul tiles), asynchronous, with 4 values per texel, and gpu.js's cpu mode.
 */
export const GPU_TEST_CONFIGS: readonly GpuTestConfig[] = [
  { label: 'headlessgl (kernel maps)', options: { mode: 'headlessgl' }, gpu: true },
  { label: 'headlessgl (no kernel maps)', options: { mode: 'headlessgl', kernelMap: false }, gpu: true },
  { label: 'headlessgl (asynchronous path)', options: { mode: 'headlessgl', asyncMode: true }, gpu: true },
  { label: 'headlessgl (4 values per texel)', options: { mode: 'headlessgl', optimizeFloatMemory: true }, gpu: true },
  { label: 'cpu', options: { mode: 'cpu' }, gpu: false },
];
