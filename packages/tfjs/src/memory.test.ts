import * as tf from '@tensorflow/tfjs-core';
import { tensor, zeros } from '@tsoptim/core';
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

it('matmul, permute, gatherRows and scatterAddRows: flat, into own tensors and a wrapped variable', async () => {
  const backend = new TfjsBackend();
  const on = { backend };
  const a = tensor(
    [
      [1, 2, 3],
      [4, 5, 6],
    ],
    on,
  );
  const b = tensor(
    [
      [1, -1],
      [0, 2],
      [3, 1],
    ],
    on,
  );
  const bias = tensor([0.5, -0.5], on);
  const out = zeros([2, 2], on);
  const v = tf.variable(tf.zeros([2, 2]), true, 'mem_linalg/v');
  const wrapped = backend.wrapVariable(v);
  const cube = tensor(
    [
      [
        [0, 1, 2],
        [3, 4, 5],
      ],
      [
        [6, 7, 8],
        [9, 10, 11],
      ],
    ],
    on,
  );
  const perm = zeros([3, 2, 2], on);
  const rows = zeros([4, 3], on);
  const acc = zeros([2, 3], on);
  const lent = backend.lendTensor(tf.zeros([2, 2]));
  const round = (): void => {
    backend.matmul({ a, b: a, transB: true, out, bias, accumulate: true });
    backend.matmul({ a: b, b: a, transA: true, transB: true, out: wrapped });
    backend.permute({ src: cube, out: perm, perm: [2, 0, 1] });
    backend.gatherRows({ src: a, out: rows, indices: Int32Array.from([1, -1, 0, -1]) });
    backend.scatterAddRows({ src: rows, out: acc, indices: Int32Array.from([0, -1, 1, 0]) });
    expect(() => backend.matmul({ a, b, out: lent })).toThrow("matmul: 'out' is a read-only tensor lent by tfjs");
  };
  round();
  const before = tf.memory().numTensors;
  for (let i = 0; i < 20; i++) round();
  expect(tf.memory().numTensors).toBe(before);
  // aᵀ·bᵀ with a = b of the suite: [[10, 22], [6, 12]] (the transpose of a·b); the variable holds it.
  expect(Array.from(v.dataSync())).toEqual([10, 22, 6, 12]);
  // acc[0] += rows 0 and 3 (a[1] and zeros), acc[1] += row 2 (a[0]), 21 times.
  expect(Array.from(await acc.read())).toEqual([84, 105, 126, 21, 42, 63]);
  wrapped.dispose();
  v.dispose();
});
