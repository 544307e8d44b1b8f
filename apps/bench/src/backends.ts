import { type Backend, CpuBackend } from '@tsoptim/core';

/** The backends the demo and the benchmark can run on, by command-line name. */
export const BACKEND_NAMES = ['cpu', 'cpu-js', 'cpu-simd', 'cpu-simd2', 'gpujs', 'gpujs-cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
/**
 * The backends the demo trains on: the CPU backend's paths. (@tsoptim/nn computes layers on the host through
 * synchronous reads and writes of tensor memory, which only the CPU backend provides.)
 */
export const CPU_BACKEND_NAMES = ['cpu', 'cpu-js', 'cpu-simd', 'cpu-simd2'] as const satisfies readonly BackendName[];

/** A backend made for a run, with a label for tables and a way to let it go. */
export interface BenchBackend {
  readonly name: BackendName;
  /** Short label for tables (`JS`, `SIMD×1`, `SIMD×2`, `gpu.js cpu`...). */
  readonly label: string;
  readonly backend: Backend;
  /** What the label means, for the notes under a table. */
  readonly note: string;
  dispose(): Promise<void>;
}

/**
 * Creates a backend by name:
 * - `cpu`: the CPU backend with its defaults (WebAssembly SIMD where available, one thread);
 * - `cpu-js`: the CPU backend's JavaScript loops only (`simd: false`);
 * - `cpu-simd`: WebAssembly SIMD on one thread; `cpu-simd2`: on two threads (a helper worker);
 * - `gpujs`: @tsoptim/backend-gpujs on a GPU (headlessgl mode: needs the `gl` module and a display);
 * - `gpujs-cpu`: @tsoptim/backend-gpujs in gpu.js's 'cpu' mode (its JavaScript fallback; for testing, slow).
 *
 * @throws Error when the backend cannot run here (the message says why).
 * @example
 * const b = await createBenchBackend('cpu-simd');
 * // ... zeros([n], { backend: b.backend }) ...
 * await b.dispose();
 */
export async function createBenchBackend(name: BackendName): Promise<BenchBackend> {
  switch (name) {
    case 'cpu':
    case 'cpu-js':
    case 'cpu-simd':
    case 'cpu-simd2': {
      const options =
        name === 'cpu'
          ? {}
          : name === 'cpu-js'
            ? { simd: false }
            : { simd: true, threads: name === 'cpu-simd2' ? (2 as const) : (1 as const) };
      const b = new CpuBackend(options);
      await b.ready();
      const label = b.simd ? `SIMD×${b.threads}` : 'JS';
      const note = b.simd
        ? `CPU backend, WebAssembly SIMD (f32x4), ${b.threads} thread${b.threads > 1 ? 's' : ''}`
        : 'CPU backend, JavaScript loops (float64 arithmetic, float32 storage)';
      return { name, label, backend: b, note, dispose: async () => b.dispose() };
    }
    case 'gpujs':
    case 'gpujs-cpu': {
      const { createGpuJsBackend } = await import('@tsoptim/backend-gpujs');
      const mode = name === 'gpujs' ? 'headlessgl' : 'cpu';
      const b = await createGpuJsBackend({ mode, syncRead: true });
      const note =
        mode === 'cpu'
          ? "gpu.js in its 'cpu' mode (gpu.js's JavaScript fallback, no GPU involved): checks that the backend runs, says nothing of GPU speed"
          : 'gpu.js headlessgl (WebGL 1 through the gl module)';
      return { name, label: `gpu.js ${mode}`, backend: b, note, dispose: () => b.destroy() };
    }
  }
}
