import { createRequire } from 'node:module';
import { dirname } from 'node:path';

/** The tfjs backends measured beside tsoptim. */
export type TfjsBackendName = 'cpu' | 'wasm';
/** The steps measured on tfjs (the two optimizers the comparison is about). */
export type TfjsAlgorithm = 'adam' | 'sgd-momentum';

type Tf = typeof import('@tensorflow/tfjs-core');

/** tfjs, loaded once, with the backends that could be initialised. */
export interface TfjsPeer {
  readonly version: string;
  /** Backends that initialised, and a note for those that did not. */
  readonly available: readonly TfjsBackendName[];
  readonly notes: readonly string[];
  /** Details of the wasm backend (SIMD, threads). */
  readonly wasmInfo: string;
  /**
   * Prepares `count` variables of `size` float32 elements with constant gradients and an optimizer on
   * `backend`; `step()` applies one update (returns its seconds).
   */
  prepare(backend: TfjsBackendName, algorithm: TfjsAlgorithm, count: number, size: number): { step(): number; dispose(): void };
  /**
   * Prepares random operands of `op(A)[m×k] · op(B)[k×n]` on `backend`; `run()` computes `tf.matMul` once (the
   * wasm and cpu backends compute synchronously) and frees the result.
   */
  prepareMatMul(
    backend: TfjsBackendName,
    m: number,
    k: number,
    n: number,
    transA: boolean,
    transB: boolean,
  ): { run(): void; dispose(): void };
}

/**
 * Loads @tensorflow/tfjs-core with its cpu backend and its WebAssembly backend (the `.wasm` files are read
 * from the installed package folder: nothing is fetched). Resolves to null when tfjs is not installed (it
 * is a devDependency of this app).
 *
 * @example
 * const tf = await loadTfjs();
 * const w = tf?.prepare('wasm', 'adam', 1, 1e6);
 */
export async function loadTfjs(): Promise<TfjsPeer | null> {
  let tf: Tf;
  try {
    tf = await import('@tensorflow/tfjs-core');
    // Production mode: no debug checks (and no console banner), as an application would run.
    tf.enableProdMode();
    await import('@tensorflow/tfjs-backend-cpu');
  } catch {
    return null;
  }
  const available: TfjsBackendName[] = [];
  const notes: string[] = [];
  // Keep tfjs quiet about its Node bindings and the missing platform.
  const warn = console.warn;
  const info = console.info;
  console.warn = () => {};
  console.info = () => {};
  try {
    if (await tf.setBackend('cpu')) available.push('cpu');
    else notes.push('tfjs cpu backend did not initialise');
    try {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      const require = createRequire(import.meta.url);
      const dir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
      wasm.setWasmPaths(`${dir}/`);
      if (await tf.setBackend('wasm')) available.push('wasm');
      else notes.push('tfjs wasm backend did not initialise');
    } catch (e) {
      notes.push(`tfjs wasm backend not available: ${(e as Error).message}`);
    }
  } finally {
    console.warn = warn;
    console.info = info;
  }
  const wasmInfo = available.includes('wasm')
    ? `SIMD ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'on' : 'off'}, multithreading ${tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? 'on' : 'off'}`
    : '';
  return {
    version: tf.version_core,
    available,
    notes,
    wasmInfo,
    prepareMatMul(backend, m, k, n, transA, transB) {
      tf.setBackend(backend);
      const a = tf.randomUniform(transA ? [k, m] : [m, k], -1, 1, 'float32', 1) as import('@tensorflow/tfjs-core').Tensor2D;
      const b = tf.randomUniform(transB ? [n, k] : [k, n], -1, 1, 'float32', 2) as import('@tensorflow/tfjs-core').Tensor2D;
      return {
        run: () => tf.matMul(a, b, transA, transB).dispose(),
        dispose: () => {
          a.dispose();
          b.dispose();
        },
      };
    },
    prepare(backend, algorithm, count, size) {
      tf.setBackend(backend);
      const vars = Array.from({ length: count }, () => tf.variable(tf.fill([size], 0.5)));
      const grads = vars.map((v) => ({ name: v.name, tensor: tf.fill([size], 0.01) }));
      const opt = algorithm === 'adam' ? tf.train.adam(1e-3, 0.9, 0.999, 1e-8) : tf.train.momentum(1e-3, 0.9);
      return {
        step: () => {
          tf.setBackend(backend);
          const t0 = performance.now();
          // Both backends compute synchronously: the update is done when applyGradients returns.
          opt.applyGradients(grads);
          return (performance.now() - t0) / 1000;
        },
        dispose: () => {
          tf.setBackend(backend);
          opt.dispose();
          for (const g of grads) g.tensor.dispose();
          for (const v of vars) v.dispose();
        },
      };
    },
  };
}
