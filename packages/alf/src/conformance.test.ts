import { cpuPaths, describeTrajectoryConformance } from '@tsoptim/testkit';
import { alfTable } from '../test/conformance-table.js';

// The same table on every CPU path: WebAssembly SIMD, the JavaScript fallback, and SIMD on two threads.
for (const path of cpuPaths()) describeTrajectoryConformance({ ...path, table: alfTable });
