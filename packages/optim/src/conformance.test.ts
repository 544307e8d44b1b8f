import { cpuPaths, describeOptimizerConformance } from '@tsoptim/testkit';
import { optimTable } from '../test/conformance-table.js';

// The same table on every CPU path: WebAssembly SIMD, the JavaScript fallback, and SIMD on two threads.
for (const path of cpuPaths()) describeOptimizerConformance({ ...path, table: optimTable });
