import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { AdaBelief } from '@tsoptim/adaptive';
import { CpuBackend, Parameter, tensor } from '@tsoptim/core';
import { StepLR } from '@tsoptim/lr-scheduler';
import { Adam, AdamW, type Optimizer, type ParamsInput, RMSprop, SGD } from '@tsoptim/optim';
import type { OptimizerConfig } from '@tsoptim/registry';
import { afterAll, describe, expect, it } from 'vitest';
import { TsoptimOptimizer, registerTsoptimOptimizer, schedulerCallback } from './index.js';
import { useTfjsBackend } from './internal/test-backends.js';

await useTfjsBackend('cpu');

const SHAPES = [[3, 2], [2]] as const;
const INIT = [
  [0.5, -1, 0.25, 2, -0.75, 1.5],
  [0.1, -0.2],
];

/** A fixed gradient sequence (float32 values), the same for both runs. */
function gradAt(step: number, i: number): Float32Array {
  const n = INIT[i]!.length;
  return Float32Array.from({ length: n }, (_, j) => Math.sin(1 + step * 7 + j * 3 + i) * (j % 2 ? 2 : 0.5));
}

const made: tf.Variable[] = [];
function variables(prefix: string): tf.Variable[] {
  const vs = SHAPES.map((shape, i) => tf.variable(tf.tensor(INIT[i]!, [...shape]), true, `${prefix}/${i === 0 ? 'kernel' : 'bias'}`));
  made.push(...vs);
  return vs;
}
afterAll(() => {
  for (const v of made) v.dispose();
});

const cases: [string, (p: ParamsInput) => Optimizer][] = [
  ['Adam (amsgrad)', (p) => new Adam(p, { lr: 0.05, amsgrad: true })],
  ['AdamW', (p) => new AdamW(p, { lr: 0.05, weightDecay: 0.1 })],
  ['SGD (nesterov)', (p) => new SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 })],
  ['RMSprop (centered)', (p) => new RMSprop(p, { lr: 0.01, momentum: 0.5, centered: true })],
  ['AdaBelief (@tsoptim/adaptive)', (p) => new AdaBelief(p, { lr: 0.05 }) as unknown as Optimizer],
];

describe('TsoptimOptimizer: step for step as tsoptim on its CPU backend', () => {
  for (const [label, make] of cases) {
    it(label, async () => {
      const vars = variables(`t_${label.replace(/\W/g, '')}`);
      const adapter = new TsoptimOptimizer(make).bind(vars);
      const cpu = new CpuBackend();
      const ref = SHAPES.map((shape, i) => new Parameter(tensor(INIT[i]!, { backend: cpu, shape })));
      const refOpt = make(ref);
      for (let step = 0; step < 12; step++) {
        const grads = Object.fromEntries(vars.map((v, i) => [v.name, tf.tensor(gradAt(step, i), v.shape)]));
        adapter.applyGradients(grads);
        tf.dispose(Object.values(grads));
        ref.forEach((p, i) => p.setGrad(gradAt(step, i)));
        refOpt.step();
        for (let i = 0; i < vars.length; i++) {
          const got = await vars[i]!.data();
          const want = ref[i]!.data;
          for (let j = 0; j < got.length; j++) expect(got[j]).toBeCloseTo(want[j]!, 6);
        }
      }
      expect(adapter.iterations).toBe(12);
      adapter.dispose();
    });
  }
});

describe('TsoptimOptimizer: tfjs integration', () => {
  it('regex groups by variable name; the state dict has torch layout with param_names', () => {
    const vars = variables('groups');
    const adapter = new TsoptimOptimizer((p) => new AdamW(p, { lr: 1e-3, weightDecay: 0.01 }), {
      groups: [[['bias$'], { weightDecay: 0 }]],
    }).bind(vars);
    adapter.applyGradients(Object.fromEntries(vars.map((v) => [v.name, tf.onesLike(v)])));
    const sd = adapter.stateDict();
    expect(sd.param_groups.map((g) => [g.param_names, g.weight_decay, g.params])).toEqual([
      [['groups/bias'], 0, [0]],
      [['groups/kernel'], 0.01, [1]],
    ]);
    expect(Object.keys(sd.state)).toEqual(['0', '1']);
    adapter.dispose();
  });

  it('getWeights / setWeights carry the state; a restored adapter continues identically', async () => {
    const a = variables('save_a');
    const b = variables('save_b');
    const make = (p: ParamsInput) => new Adam(p, { lr: 0.05 });
    const first = new TsoptimOptimizer(make).bind(a);
    const g = (vs: tf.Variable[], step: number) => Object.fromEntries(vs.map((v, i) => [v.name, tf.tensor(gradAt(step, i), v.shape)]));
    for (let s = 0; s < 3; s++) first.applyGradients(g(a, s));
    const weights = await first.getWeights();
    expect(weights.map((w) => w.name)).toEqual([
      'iter',
      'save_a/kernel/step',
      'save_a/kernel/exp_avg',
      'save_a/kernel/exp_avg_sq',
      'save_a/bias/step',
      'save_a/bias/exp_avg',
      'save_a/bias/exp_avg_sq',
    ]);
    // Same values in the other variables, then the weights renamed for them.
    b.forEach((v, i) => v.assign(a[i]!));
    const second = new TsoptimOptimizer(make).bind(b);
    await second.setWeights(weights.map((w) => ({ name: w.name.replace('save_a', 'save_b'), tensor: w.tensor })));
    tf.dispose(weights.map((w) => w.tensor));
    expect(second.iterations).toBe(3);
    for (let s = 3; s < 6; s++) {
      first.applyGradients(g(a, s));
      second.applyGradients(g(b, s));
    }
    for (let i = 0; i < 2; i++) expect(Array.from(await b[i]!.data())).toEqual(Array.from(await a[i]!.data()));
    first.dispose();
    second.dispose();
  });

  it("binds lazily on the first applyGradients, in the gradients' order", () => {
    const vars = variables('lazy');
    const adapter = new TsoptimOptimizer((p) => new SGD(p, { lr: 0.1 }));
    expect(() => adapter.optimizer).toThrow('call bind(model) first');
    adapter.applyGradients(vars.map((v) => ({ name: v.name, tensor: tf.onesLike(v) })));
    expect(adapter.variableNames).toEqual(['lazy/kernel', 'lazy/bias']);
    expect(Array.from(vars[1]!.dataSync())).toEqual([0.1 - 0.1, -0.2 - 0.1].map(Math.fround));
  });

  it('a registry config: getConfig returns it, and the registered class name rebuilds the adapter', () => {
    registerTsoptimOptimizer();
    const config: OptimizerConfig = { type: 'adamw', lr: 2e-3, parameter_groups: [[['bias$'], { weight_decay: 0 }]] };
    const adapter = new TsoptimOptimizer(config);
    expect(adapter.getClassName()).toBe('TsoptimOptimizer');
    expect(adapter.getConfig()).toEqual(config);
    // What tfjs does when it loads a model saved with this optimizer: look the class up by name, then fromConfig.
    const [cls, fromConfig] = tf.serialization.SerializationMap.getMap().classNameMap.TsoptimOptimizer!;
    const rebuilt = fromConfig(cls, adapter.getConfig()) as unknown as TsoptimOptimizer;
    rebuilt.bind(variables('cfg'));
    expect(rebuilt.optimizer.constructor.name).toBe('AdamW');
    expect(rebuilt.optimizer.paramGroups.map((g) => g.weightDecay)).toEqual([0, 0.01]);
  });

  it('model.fit trains through it; a scheduler steps per epoch; tf.memory().numTensors stays flat', async () => {
    const model = tfl.sequential({
      layers: [tfl.layers.dense({ inputShape: [4], units: 8, activation: 'relu' }), tfl.layers.dense({ units: 1 })],
    });
    const adapter = new TsoptimOptimizer((p) => new Adam(p, { lr: 0.05 })).bind(model);
    const sched = new StepLR(adapter.optimizer, { stepSize: 1, gamma: 0.5 });
    model.compile({ optimizer: adapter, loss: 'meanSquaredError' });
    const x = tf.randomUniform([64, 4], -1, 1, 'float32', 1);
    const y = tf.sum(x, 1, true);
    const lrs: number[] = [];
    const counts: number[] = [];
    const h = await model.fit(x, y, {
      epochs: 12,
      batchSize: 16,
      verbose: 0,
      callbacks: [
        schedulerCallback(sched, { interval: 'epoch' }),
        { onEpochEnd: () => void lrs.push(adapter.optimizer.paramGroups[0]!.lr as number) },
        { onEpochEnd: () => void counts.push(tf.memory().numTensors) },
      ],
    });
    const loss = h.history.loss as number[];
    expect(loss[loss.length - 1]!).toBeLessThan(loss[0]! / 2);
    expect(lrs.slice(0, 3)).toEqual([0.025, 0.0125, 0.00625]);
    expect(adapter.iterations).toBe(12 * 4);
    // After the first epoch (state allocated), not one tensor more per epoch.
    expect(new Set(counts.slice(1)).size).toBe(1);
    tf.dispose([x, y]);
    model.dispose();
    adapter.dispose();
  });
});
