import * as tf from '@tensorflow/tfjs-core';
import { describeBackend, describeOptimizerConformance, optimizerTable } from '@tsoptim/testkit';
import { expect, it } from 'vitest';
import { TfjsBackend } from './index.js';
import { useTfjsBackend } from './internal/test-backends.js';

// tfjs's WebAssembly backend (XNNPACK kernels, float32 reductions), loaded from the installed package.
await useTfjsBackend('wasm');
const backend = new TfjsBackend();

describeBackend('tfjs-wasm', () => backend, { liveBuffers: (b) => (b as TfjsBackend).memory().tensors });
describeOptimizerConformance({ label: 'tfjs-wasm', backend: () => backend, table: optimizerTable });

it('ran on tfjs\'s wasm backend', () => {
  expect(tf.getBackend()).toBe('wasm');
  expect(backend.name).toBe('tfjs-wasm');
});
