import { CpuBackend } from '@tsoptim/core';
import { describeTrajectoryConformance } from '@tsoptim/testkit';
import { afterAll, beforeAll, expect } from 'vitest';
import { alfTable } from '../test/conformance-table.js';

// Every CPU path: SIMD, the JavaScript fallback, and SIMD split across two threads (threshold lowered so that even
// the small fixture tensors are split).
const simd = new CpuBackend();
const js = new CpuBackend({ simd: false });
const threads = new CpuBackend({ threads: 2, threadThreshold: 8 });
beforeAll(() => threads.ready());
afterAll(async () => {
  expect(threads.pathCounts().threaded).toBeGreaterThan(0);
  await threads.dispose();
});

describeTrajectoryConformance({ label: 'cpu (simd)', backend: () => simd, table: alfTable });
describeTrajectoryConformance({ label: 'cpu (js fallback)', backend: () => js, table: alfTable });
describeTrajectoryConformance({ label: 'cpu (simd, 2 threads)', backend: () => threads, table: alfTable });
