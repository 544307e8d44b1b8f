import { CpuBackend } from '@tsoptim/core';
import { describeOptimizerConformance } from '@tsoptim/testkit';
import { afterAll, beforeAll, expect } from 'vitest';
import { adaptiveTable } from '../test/conformance-table.js';

// Every CPU path: SIMD (float32 arithmetic), JavaScript (float64 arithmetic, float32 storage), and SIMD split
// across two threads (threshold lowered so that even the small fixture tensors are split).
const simd = new CpuBackend();
const js = new CpuBackend({ simd: false });
const threads = new CpuBackend({ threads: 2, threadThreshold: 8 });
beforeAll(() => threads.ready());
afterAll(async () => {
  expect(threads.pathCounts().threaded).toBeGreaterThan(0);
  await threads.dispose();
});
describeOptimizerConformance({ label: 'cpu (simd)', backend: () => simd, table: adaptiveTable });
describeOptimizerConformance({ label: 'cpu (js)', backend: () => js, table: adaptiveTable });
describeOptimizerConformance({ label: 'cpu (simd, 2 threads)', backend: () => threads, table: adaptiveTable });
