/**
 * The README's fidelity table, tfjs side: runs tfjs's seven optimizers and the same algorithms from tsoptim
 * through the adapter on one fixed gradient sequence, and writes every trajectory to JSON; fidelity.py runs
 * torch on the same sequence and prints the table.
 *
 *   npx tsx --conditions=@tsoptim/source packages/tfjs/scripts/fidelity.ts /tmp/fidelity.json
 *   /usr/bin/python3 packages/tfjs/scripts/fidelity.py /tmp/fidelity.json
 */
import { writeFileSync } from 'node:fs';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { Adadelta, Adagrad, Adam, Adamax, type Optimizer, type ParamsInput, RMSprop, SGD } from '@tsoptim/optim';
import { TsoptimOptimizer } from '../src/index.js';

const N = 64;
const STEPS = 100;
const init = Array.from({ length: N }, (_, j) => Math.fround(Math.cos(j)));
/** Gradients of four magnitudes (1, 0.1, 0.01, 0.001): eps placement matters for the small ones. */
const grads = Array.from({ length: STEPS }, (_, s) =>
  Array.from({ length: N }, (_, j) => Math.fround(Math.sin(1 + 7 * s + 3 * j) * 10 ** -(j % 4))),
);

interface Case {
  readonly name: string;
  /** tfjs's optimizer, with its defaults where the case says so. */
  readonly tfjs: () => tf.Optimizer;
  readonly tfjsCall: string;
  /** The torch optimizer this is compared with (class and kwargs, for fidelity.py). */
  readonly torch: [string, Record<string, unknown>];
  /** The same algorithm from tsoptim. */
  readonly ours: (p: ParamsInput) => Optimizer;
}

const cases: Case[] = [
  { name: 'SGD', tfjs: () => tf.train.sgd(0.1), tfjsCall: 'sgd(0.1)', torch: ['SGD', { lr: 0.1 }], ours: (p) => new SGD(p, { lr: 0.1 }) },
  {
    name: 'momentum',
    tfjs: () => tf.train.momentum(0.1, 0.9),
    tfjsCall: 'momentum(0.1, 0.9)',
    torch: ['SGD', { lr: 0.1, momentum: 0.9 }],
    ours: (p) => new SGD(p, { lr: 0.1, momentum: 0.9 }),
  },
  {
    name: 'momentum, Nesterov',
    tfjs: () => tf.train.momentum(0.1, 0.9, true),
    tfjsCall: 'momentum(0.1, 0.9, true)',
    torch: ['SGD', { lr: 0.1, momentum: 0.9, nesterov: true }],
    ours: (p) => new SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true }),
  },
  {
    name: 'Adagrad',
    tfjs: () => tf.train.adagrad(0.1),
    tfjsCall: 'adagrad(0.1) (accumulator starts at 0.1)',
    torch: ['Adagrad', { lr: 0.1 }],
    ours: (p) => new Adagrad(p, { lr: 0.1 }),
  },
  {
    name: 'Adadelta',
    tfjs: () => tf.train.adadelta(1, 0.9, 1e-6),
    tfjsCall: 'adadelta(1, 0.9, 1e-6)',
    torch: ['Adadelta', { lr: 1, rho: 0.9, eps: 1e-6 }],
    ours: (p) => new Adadelta(p, { lr: 1, rho: 0.9, eps: 1e-6 }),
  },
  {
    name: 'Adam (each default eps)',
    tfjs: () => tf.train.adam(0.01),
    tfjsCall: 'adam(0.01) (eps 1e-7)',
    torch: ['Adam', { lr: 0.01 }],
    ours: (p) => new Adam(p, { lr: 0.01 }),
  },
  {
    name: 'Adam (eps 1e-8)',
    tfjs: () => tf.train.adam(0.01, 0.9, 0.999, 1e-8),
    tfjsCall: 'adam(0.01, 0.9, 0.999, 1e-8)',
    torch: ['Adam', { lr: 0.01, eps: 1e-8 }],
    ours: (p) => new Adam(p, { lr: 0.01, eps: 1e-8 }),
  },
  {
    name: 'Adamax',
    tfjs: () => tf.train.adamax(0.01, 0.9, 0.999, 1e-8, 0),
    tfjsCall: 'adamax(0.01, 0.9, 0.999, 1e-8, 0)',
    torch: ['Adamax', { lr: 0.01, eps: 1e-8 }],
    ours: (p) => new Adamax(p, { lr: 0.01, eps: 1e-8 }),
  },
  {
    name: 'RMSprop',
    tfjs: () => tf.train.rmsprop(0.01, 0.9, 0, 1e-8),
    tfjsCall: 'rmsprop(0.01, 0.9, 0, 1e-8)',
    torch: ['RMSprop', { lr: 0.01, alpha: 0.9, eps: 1e-8 }],
    ours: (p) => new RMSprop(p, { lr: 0.01, alpha: 0.9, eps: 1e-8 }),
  },
  {
    name: 'RMSprop, momentum',
    tfjs: () => tf.train.rmsprop(0.01, 0.9, 0.9, 1e-8),
    tfjsCall: 'rmsprop(0.01, 0.9, 0.9, 1e-8)',
    torch: ['RMSprop', { lr: 0.01, alpha: 0.9, eps: 1e-8, momentum: 0.9 }],
    ours: (p) => new RMSprop(p, { lr: 0.01, alpha: 0.9, eps: 1e-8, momentum: 0.9 }),
  },
  {
    name: 'RMSprop, centered',
    tfjs: () => tf.train.rmsprop(0.01, 0.9, 0, 1e-8, true),
    tfjsCall: 'rmsprop(0.01, 0.9, 0, 1e-8, true)',
    torch: ['RMSprop', { lr: 0.01, alpha: 0.9, eps: 1e-8, centered: true }],
    ours: (p) => new RMSprop(p, { lr: 0.01, alpha: 0.9, eps: 1e-8, centered: true }),
  },
];

function trajectory(opt: tf.Optimizer, name: string): number[][] {
  const v = tf.variable(tf.tensor1d(init), true, name);
  const out: number[][] = [];
  for (let s = 0; s < STEPS; s++) {
    const g = tf.tensor1d(grads[s]!);
    opt.applyGradients({ [name]: g } as never);
    g.dispose();
    out.push(Array.from(v.dataSync()));
  }
  opt.dispose();
  v.dispose();
  return out;
}

await tf.setBackend('cpu');
const results = cases.map((c, i) => ({
  name: c.name,
  tfjsCall: c.tfjsCall,
  torch: c.torch,
  tfjs: trajectory(c.tfjs(), `tfjs_${i}`),
  ours: trajectory(new TsoptimOptimizer(c.ours), `ours_${i}`),
}));
writeFileSync(process.argv[2] ?? 'fidelity.json', JSON.stringify({ tfjs: tf.version_core, init, grads, results }));
