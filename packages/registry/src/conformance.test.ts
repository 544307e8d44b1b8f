import { cpuPaths, describeTrajectoryConformance } from '@tsoptim/testkit';
import { registryTable } from '../test/conformance-table.js';

// The same table on every CPU path: WebAssembly SIMD, the JavaScript fallback, and SIMD on two threads (threshold
// 4: the fixture tensors have 6 elements).
for (const path of cpuPaths({ threadThreshold: 4 })) describeTrajectoryConformance({ ...path, table: registryTable });
