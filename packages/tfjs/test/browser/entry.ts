// The page the WebGL test loads in headless Chromium (bundled by esbuild, served from 127.0.0.1).
import '@tensorflow/tfjs-backend-webgl';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { StepLR } from '@tsoptim/lr-scheduler';
import { Adam, AdamW } from '@tsoptim/optim';
import { TfjsBackend, TsoptimOptimizer, schedulerCallback } from '../../src/index.js';
import { CASES, INIT, SHAPE, STEPS, gradAt } from './cases.js';

/** Values after every step of every case, through the adapter on a backend (fused programs or op chains). */
async function trajectories(fused: boolean): Promise<{ values: Record<string, number[][]>; runs: { fused: number; chained: number } }> {
  const backend = new TfjsBackend({ fused });
  const values: Record<string, number[][]> = {};
  for (const [name, make] of CASES) {
    const w = tf.variable(tf.tensor(INIT, SHAPE), true, `case/${fused}/${name}`);
    const opt = new TsoptimOptimizer(make, { backend }).bind([w]);
    const steps: number[][] = [];
    for (let s = 0; s < STEPS; s++) {
      const g = tf.tensor(gradAt(s, INIT.length), SHAPE);
      opt.applyGradients({ [w.name]: g });
      g.dispose();
      steps.push(Array.from(await w.data()));
    }
    values[name] = steps;
    opt.dispose();
    w.dispose();
  }
  return { values, runs: backend.kernelRuns };
}

/** Milliseconds per Adam step on one variable of `n` elements (20 steps, then a read). */
async function adamStepMs(fused: boolean, n: number): Promise<number> {
  const w = tf.variable(tf.randomNormal([n], 0, 1, 'float32', 5), true, `speed/${fused}`);
  const g = tf.randomNormal([n], 0, 1, 'float32', 6);
  const opt = new TsoptimOptimizer((p) => new Adam(p, { lr: 1e-3 }), { backend: new TfjsBackend({ fused }) }).bind([w]);
  const run = async (k: number) => {
    for (let s = 0; s < k; s++) opt.applyGradients({ [w.name]: g });
    await w.data();
  };
  await run(3);
  const t0 = performance.now();
  await run(20);
  const ms = (performance.now() - t0) / 20;
  opt.dispose();
  tf.dispose([w, g]);
  return ms;
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
  const w = tf.variable(tf.tensor2d(INIT, [3, 2]), true, 'check/w');
  const opt = new TsoptimOptimizer((p) => new Adam(p, { lr: 0.1, amsgrad: true })).bind([w]);
  const steps: number[][] = [];
  for (let s = 0; s < STEPS; s++) {
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
  const fusedRun = await trajectories(true);
  const chainRun = await trajectories(false);
  const n = 1 << 20;
  const speed = { n, fusedMs: await adamStepMs(true, n), chainMs: await adamStepMs(false, n) };
  return { info, steps, losses: h.history.loss, counts, backendName: adapter.backend.name, fused: fusedRun, chained: chainRun, speed };
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
