import * as tf from '@tensorflow/tfjs-core';
import { Adafactor, Adam, LBFGS, NAdam, RAdam, Rprop, SGD } from '@tsoptim/optim';
import type { Optimizer, ParamsInput } from '@tsoptim/optim';
import { expect, it } from 'vitest';
import { TfjsBackend, TsoptimOptimizer } from './index.js';
import { useTfjsBackend } from './internal/test-backends.js';

await useTfjsBackend('cpu');

const makers: [string, (p: ParamsInput) => Optimizer][] = [
  ['Adam', (p) => new Adam(p, { lr: 1e-3, amsgrad: true })],
  ['NAdam', (p) => new NAdam(p, { lr: 1e-3, decoupledWeightDecay: true, weightDecay: 0.01 })],
  ['RAdam', (p) => new RAdam(p, { lr: 1e-3 })],
  ['Rprop', (p) => new Rprop(p, {})],
  ['SGD', (p) => new SGD(p, { lr: 1e-2, momentum: 0.9 })],
  ['Adafactor (reductions)', (p) => new Adafactor(p, { lr: 1e-2 })],
];

/**
 * tfjs counts every tensor it holds: after the first step (state allocated), a long run through the adapter
 * must not add a single one. Each step runs inside `tf.tidy`, as `model.fit` runs it, with fresh gradients.
 */
it.each(makers)('%s: tf.memory().numTensors flat over 600 steps', (_, make) => {
  const w = tf.variable(tf.randomNormal([64, 32], 0, 1, 'float32', 1), true, `mem_${_.replace(/\W/g, '')}/w`);
  const b = tf.variable(tf.zeros([32]), true, `mem_${_.replace(/\W/g, '')}/b`);
  const opt = new TsoptimOptimizer(make).bind([w, b]);
  const counts: number[] = [];
  for (let step = 0; step < 600; step++) {
    tf.tidy(() => {
      opt.applyGradients({ [w.name]: tf.mul(w, 0.1), [b.name]: tf.onesLike(b) });
    });
    if (step % 100 === 0 || step === 599) counts.push(tf.memory().numTensors);
  }
  expect(new Set(counts).size, `tensor counts: ${counts}`).toBe(1);
  opt.dispose();
  const after = tf.memory().numTensors;
  expect(counts[0]! - after, 'disposing the adapter frees its state').toBeGreaterThan(0);
  w.dispose();
  b.dispose();
});

it('LBFGS (closure-driven, reads back): flat over 200 steps once its history is full', () => {
  const w = tf.variable(tf.randomNormal([16], 0, 1, 'float32', 2), true, 'mem_lbfgs/w');
  const backend = new TfjsBackend();
  const p = backend.wrapVariable(w);
  const opt = new LBFGS([p], { lr: 0.5, historySize: 5 });
  const g = backend.lendTensor(null, [16]);
  const counts: number[] = [];
  for (let step = 0; step < 200; step++) {
    const grad = tf.tidy(() => tf.mul(tf.sub(w, 1), 2));
    opt.step(() => {
      backend.lend(g, grad);
      p.grad = g;
      return tf.tidy(() => tf.sum(tf.square(tf.sub(w, 1))).dataSync()[0]!);
    });
    grad.dispose();
    if (step % 50 === 0 || step === 199) counts.push(tf.memory().numTensors);
  }
  // Step 0 holds no curvature pairs yet; from step 50 the history (5 pairs) is full.
  expect(new Set(counts.slice(1)).size, `tensor counts: ${counts}`).toBe(1);
  w.dispose();
});
