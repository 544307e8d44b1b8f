import { type Backend, CpuBackend, simdGemm } from '@tsoptim/core';
import { afterAll, beforeAll, expect } from 'vitest';

/** A backend and its label in test names. */
export interface LabelledBackend {
  readonly label: string;
  readonly backend: () => Backend;
}

/**
 * The CPU backend's three paths, for a conformance run: WebAssembly SIMD (the default, with the SIMD GEMM), the JavaScript fallback,
 * and SIMD split across two threads. The threaded backend's threshold is lowered (default 8 elements) so that
 * small fixture tensors are split too; after the file's tests it checks that some run was split, and stops.
 * Call at the top level of a test file.
 */
export function cpuPaths(options: { readonly threadThreshold?: number } = {}): readonly LabelledBackend[] {
  const simd = new CpuBackend({ gemm: simdGemm });
  const js = new CpuBackend({ simd: false });
  const threads = new CpuBackend({ threads: 2, threadThreshold: options.threadThreshold ?? 8, gemm: simdGemm });
  beforeAll(() => threads.ready());
  afterAll(async () => {
    expect(threads.pathCounts().threaded).toBeGreaterThan(0);
    await threads.dispose();
  });
  return [
    { label: 'cpu (simd)', backend: () => simd },
    { label: 'cpu (js fallback)', backend: () => js },
    { label: 'cpu (simd, 2 threads)', backend: () => threads },
  ];
}
