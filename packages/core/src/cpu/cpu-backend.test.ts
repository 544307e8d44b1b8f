import { describeBackend } from '@tsoptim/testkit';
import { afterAll, expect, it } from 'vitest';
import { CpuBackend } from './cpu-backend.js';
import { simdGemm } from './simd-gemm.js';

// The shared backend suite on each CPU path: the JavaScript fallback, and SIMD with the helper thread taking
// every run (so that the split runs on the suite's small tensors too), with the SIMD GEMM.
describeBackend('cpu (JS fallback)', () => new CpuBackend({ simd: false }));

const threaded = new CpuBackend({ simd: true, threads: 2, threadThreshold: 1, gemm: simdGemm });
describeBackend('cpu (SIMD, two threads)', async () => {
  await threaded.ready(); // so that the suite exercises the helper thread
  return threaded;
});
it('split runs across the two threads during that suite', () => {
  expect(threaded.pathCounts().threaded).toBeGreaterThan(0);
});
afterAll(() => threaded.dispose());
