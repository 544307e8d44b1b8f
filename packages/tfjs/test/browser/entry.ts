// The page the WebGL test loads in headless Chromium (bundled by esbuild, served from 127.0.0.1).
import '@tensorflow/tfjs-backend-webgl';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { Adam, AdamW } from '@tsoptim/optim';
import { TsoptimOptimizer, schedulerCallback } from '../../src/index.js';
import { StepLR } from '@tsoptim/lr-scheduler';

/** The gradient sequence of the step-for-step check (the Node side computes the same). */
export function gradAt(step: number, n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, j) => Math.sin(1 + step * 7 + j * 3));
}

async function main(): Promise<unknown> {
  if (!(await tf.setBackend('webgl'))) throw new Error('the webgl backend did not initialise');
  await tf.ready();
  const info = {
    backend: tf.getBackend(),
    webglVersion: tf.env().getNumber('WEBGL_VERSION'),
    float32: tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED'),
  };
  // 1. Fixed gradients through the adapter: the values after every step.
  const init = [0.5, -1, 0.25, 2, -0.75, 1.5];
  const w = tf.variable(tf.tensor2d(init, [3, 2]), true, 'check/w');
  const opt = new TsoptimOptimizer((p) => new Adam(p, { lr: 0.1, amsgrad: true })).bind([w]);
  const steps: number[][] = [];
  for (let s = 0; s < 8; s++) {
    const g = tf.tensor2d(gradAt(s, 6), [3, 2]);
    opt.applyGradients({ 'check/w': g });
    g.dispose();
    steps.push(Array.from(await w.data()));
  }
  opt.dispose();
  w.dispose();
  // 2. model.fit with AdamW and a per-epoch StepLR; tensors counted after every epoch.
  const model = tfl.sequential({
    layers: [tfl.layers.dense({ inputShape: [4], units: 16, activation: 'relu' }), tfl.layers.dense({ units: 1 })],
  });
  const adapter = new TsoptimOptimizer((p) => new AdamW(p, { lr: 0.03, weightDecay: 1e-3 })).bind(model);
  model.compile({ optimizer: adapter, loss: 'meanSquaredError' });
  const x = tf.randomUniform([128, 4], -1, 1, 'float32', 3);
  const y = tf.sum(tf.mul(x, tf.tensor1d([1, -2, 0.5, 3])), 1, true);
  const counts: number[] = [];
  const h = await model.fit(x, y, {
    epochs: 20,
    batchSize: 32,
    verbose: 0,
    callbacks: [
      schedulerCallback(new StepLR(adapter.optimizer, { stepSize: 10, gamma: 0.5 }), { interval: 'epoch' }),
      { onEpochEnd: () => void counts.push(tf.memory().numTensors) },
    ],
  });
  return { info, steps, losses: h.history.loss, counts, backendName: adapter.backend.name };
}

const w = window as unknown as { __result?: unknown };
main().then(
  (r) => {
    w.__result = r;
  },
  (e: unknown) => {
    w.__result = { error: e instanceof Error ? `${e.message}\n${e.stack}` : String(e) };
  },
);
