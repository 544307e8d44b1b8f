import * as tf from '@tensorflow/tfjs-core';
import { adaptiveTable } from '@tsoptim/adaptive/conformance-table';
import { alfTable } from '@tsoptim/alf/conformance-table';
import { optimTable } from '@tsoptim/optim/conformance-table';
import { registryTable } from '@tsoptim/registry/conformance-table';
import { describeBackend, describeOptimizerConformance, describeTrajectoryConformance } from '@tsoptim/testkit';
import { expect, it } from 'vitest';
import { TfjsBackend } from './index.js';
import { useTfjsBackend } from './internal/test-backends.js';

// tfjs's WebAssembly backend (XNNPACK kernels, float32 reductions), loaded from the installed package.
await useTfjsBackend('wasm');
const backend = new TfjsBackend();

describeBackend('tfjs-wasm', () => backend, { liveBuffers: (b) => (b as TfjsBackend).memory().tensors });
// Every package's table: torch's algorithms and the ones beyond torch (optim), labml's family (adaptive), ALF's
// optimizers (alf), transformers' AdamW and thinc's rules (registry).
for (const table of [optimTable, adaptiveTable]) describeOptimizerConformance({ label: 'tfjs-wasm', backend: () => backend, table });
describeTrajectoryConformance({ label: 'tfjs-wasm', backend: () => backend, table: [...alfTable, ...registryTable] });

it("ran on tfjs's wasm backend", () => {
  expect(tf.getBackend()).toBe('wasm');
  expect(backend.name).toBe('tfjs-wasm');
});
