import { type Input, Linear, Module, type Variable, mseLoss, tanh } from '@tsoptim/nn';
import { type Tensor, tensor } from '@tsoptim/core';
import { firstMismatch, loadFixture } from '@tsoptim/testkit';
import { describe, expect, it } from 'vitest';
import { type OptimizerConfig, type ParameterGroupsReport, fromConfig } from './index.js';

interface TrainFixture {
  source: string;
  config: OptimizerConfig;
  group_names: string[][];
  group_lrs: number[];
  initial_state: Record<string, number[]>;
  shapes: Record<string, number[]>;
  input: number[];
  target: number[];
  steps: { loss: number; state: Record<string, number[]> }[];
}

const fx = loadFixture<TrainFixture>('registry', 'train_groups');

class Net extends Module {
  readonly encoder = this.registerModule('encoder', new Linear(4, 6, { seed: 1 }));
  readonly decoder = this.registerModule('decoder', new Linear(6, 5, { seed: 2 }));
  readonly head = this.registerModule('head', new Linear(5, 3, { seed: 3 }));
  forward(x: Input): Variable {
    return this.head.forward(tanh(this.decoder.forward(tanh(this.encoder.forward(x)))));
  }
}

function close(what: string, got: ArrayLike<number>, expected: readonly number[]): void {
  const bad = firstMismatch(got, expected, 1e-6, 1e-5);
  if (bad) expect.fail(`${what}: element ${bad.index}: got ${bad.actual}, expected ${bad.expected}`);
}

describe(`a config with three regex groups trains a small model (${fx.source})`, () => {
  it('gives each group its own lr and matches torch step by step', () => {
    const net = new Net();
    net.loadStateDict(Object.fromEntries(Object.entries(fx.initial_state).map(([k, v]) => [k, tensor(v, { shape: fx.shapes[k]! })])));
    let report: ParameterGroupsReport | undefined;
    const opt = fromConfig(net.namedParameters(), fx.config, { logger: { info: () => {}, warn: () => {} }, onReport: (r) => (report = r) });
    expect(opt.paramGroups.map((g) => g.lr)).toEqual(fx.group_lrs);
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.01, 0.003, 0.05, 0.02]);
    expect(opt.paramGroups[1]!.betas).toEqual([0.8, 0.99]);
    expect(opt.paramGroups.map((g) => g.weightDecay)).toEqual([0.01, 0.01, 0, 0.01]);
    expect(report!.groups.map((g) => g.names)).toEqual(fx.group_names);
    const x = tensor(fx.input, { shape: [8, 4] });
    const y = tensor(fx.target, { shape: [8, 3] });
    const losses: number[] = [];
    for (const [t, step] of fx.steps.entries()) {
      opt.zeroGrad();
      const loss = mseLoss(net.forward(x), y);
      losses.push(loss.item());
      loss.backward();
      opt.step();
      expect(losses[t]).toBeCloseTo(step.loss, 5);
      const state = net.stateDict();
      for (const [k, v] of Object.entries(step.state)) close(`step ${t} ${k}`, (state[k] as Tensor).data, v);
    }
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]!);
  });
});
