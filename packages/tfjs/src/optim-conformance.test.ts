import * as tf from '@tensorflow/tfjs-core';
import { describeBackend, describeOptimizerConformance, optimizerTable } from '@tsoptim/testkit';
import { expect, it } from 'vitest';
import { TfjsBackend } from './index.js';
import { useTfjsBackend } from './internal/test-backends.js';

await useTfjsBackend('cpu');
const backend = new TfjsBackend();

describeBackend('tfjs-cpu', () => backend, { liveBuffers: (b) => (b as TfjsBackend).memory().tensors });
describeOptimizerConformance({ label: 'tfjs-cpu', backend: () => backend, table: optimizerTable });

it('ran on tfjs\'s cpu backend', () => {
  expect(tf.getBackend()).toBe('cpu');
  expect(backend.name).toBe('tfjs-cpu');
});
