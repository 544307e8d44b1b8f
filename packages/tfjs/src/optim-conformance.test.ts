import * as tf from '@tensorflow/tfjs-core';
import { adaptiveTable } from '@tsoptim/adaptive/conformance-table';
import { alfTable } from '@tsoptim/alf/conformance-table';
import { optimTable } from '@tsoptim/optim/conformance-table';
import { registryTable } from '@tsoptim/registry/conformance-table';
import { describeBackend, describeOptimizerConformance, describeTrajectoryConformance } from '@tsoptim/testkit';
import { expect, it } from 'vitest';
import { TfjsBackend } from './index.js';
import { useTfjsBackend } from './internal/test-backends.js';

await useTfjsBackend('cpu');
const backend = new TfjsBackend();

describeBackend('tfjs-cpu', () => backend, { liveBuffers: (b) => (b as TfjsBackend).memory().tensors });
// Every package's table: torch's algorithms and the ones beyond torch (optim), labml's family (adaptive), ALF's
// optimizers (alf), transformers' AdamW and thinc's rules (registry).
for (const table of [optimTable, adaptiveTable]) describeOptimizerConformance({ label: 'tfjs-cpu', backend: () => backend, table });
describeTrajectoryConformance({ label: 'tfjs-cpu', backend: () => backend, table: [...alfTable, ...registryTable] });

it("ran on tfjs's cpu backend", () => {
  expect(tf.getBackend()).toBe('cpu');
  expect(backend.name).toBe('tfjs-cpu');
});
