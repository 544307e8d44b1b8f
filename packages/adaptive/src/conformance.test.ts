import { cpuPaths, describeOptimizerConformance } from '@tsoptim/testkit';
import { adaptiveTable } from '../test/conformance-table.js';

// The same table on every CPU path: WebAssembly SIMD (float32 arithmetic), the JavaScript fallback (float64
// arithmetic, float32 storage), and SIMD on two threads.
for (const path of cpuPaths()) describeOptimizerConformance({ ...path, table: adaptiveTable });
