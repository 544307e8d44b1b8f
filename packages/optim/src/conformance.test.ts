import { CpuBackend } from '@tsoptim/core';
import { describeOptimizerConformance, optimizerTable } from '@tsoptim/testkit';

const backend = new CpuBackend();

describeOptimizerConformance({ label: 'cpu', backend: () => backend, table: optimizerTable });
