import { describeBackend } from '@tsoptim/testkit';
import { CpuBackend } from './index.js';

describeBackend('cpu', () => new CpuBackend());
