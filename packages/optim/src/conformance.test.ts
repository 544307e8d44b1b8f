import { CpuBackend } from '@tsoptim/core';
import { describeOptimizerConformance } from '@tsoptim/testkit';
import { optimTable } from '../test/conformance-table.js';
import { afterAll, beforeAll, expect } from 'vitest';

// The same table on every CPU path: WebAssembly SIMD (the default), the JavaScript fallback, and SIMD split
// across two threads (threshold lowered so that even the small fixture tensors are split).
const simd = new CpuBackend();
const js = new CpuBackend({ simd: false });
const threads = new CpuBackend({ threads: 2, threadThreshold: 8 });
beforeAll(() => threads.ready());
afterAll(async () => {
  expect(threads.pathCounts().threaded).toBeGreaterThan(0);
  await threads.dispose();
});

describeOptimizerConformance({ label: 'cpu (simd)', backend: () => simd, table: optimTable });
describeOptimizerConformance({ label: 'cpu (js fallback)', backend: () => js, table: optimTable });
describeOptimizerConformance({ label: 'cpu (simd, 2 threads)', backend: () => threads, table: optimTable });
