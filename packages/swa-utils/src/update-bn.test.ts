import { tensor } from '@tsoptim/core';
import { readFileSync } from 'node:fs';
import { BatchNorm1d, BatchNorm2d, Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential, Tanh, noGrad } from '@tsoptim/nn';
import { describe, expect, it } from 'vitest';
import { AveragedModel, updateBn } from './index.js';
import { type FixtureTensor, assertClose, fromFixture, loadFixture } from './internal/testing.js';

interface Fixture {
  source: string;
  initialState: Record<string, FixtureTensor>;
  batches: FixtureTensor[];
  stateAfter: Record<string, FixtureTensor>;
  trainingAfter: boolean;
  momentaAfter: (number | null)[];
  probe: FixtureTensor;
  probeOutput: FixtureTensor;
}
const fx = loadFixture<Fixture>('update_bn');
const build = () => {
  const m = new Sequential(
    new Linear(5, 6),
    new BatchNorm1d(6, { momentum: 0.3 }),
    new ReLU(),
    new Linear(6, 4),
    new BatchNorm1d(4),
    new Tanh(),
    new Linear(4, 2),
  );
  m.loadStateDict(Object.fromEntries(Object.entries(fx.initialState).map(([k, v]) => [k, fromFixture(v)])));
  return m;
};

describe(`updateBn against torch (${fx.source})`, () => {
  it('recomputes the running statistics with a cumulative average, restoring momenta and mode', () => {
    const model = build().eval();
    const loader = fx.batches.map((b) => [fromFixture(b), tensor(new Float32Array(b.shape[0]!))] as const);
    updateBn(loader, model);
    const sd = model.stateDict();
    for (const [k, v] of Object.entries(fx.stateAfter)) assertClose(k, sd[k]!.data, v.data);
    expect(model.training).toBe(fx.trainingAfter);
    expect([(model.at(1) as BatchNorm1d).momentum, (model.at(4) as BatchNorm1d).momentum]).toEqual(fx.momentaAfter);
    assertClose('probe', noGrad(() => model.forward(fromFixture(fx.probe))).data, fx.probeOutput.data);
  });

  it('works through an AveragedModel and accepts plain tensors', () => {
    const avg = new AveragedModel(build());
    avg.train();
    updateBn(
      fx.batches.map((b) => fromFixture(b)),
      avg,
    );
    const sd = avg.stateDict();
    for (const [k, v] of Object.entries(fx.stateAfter)) assertClose(k, sd[`module.${k}`]!.data, v.data);
    expect(avg.training).toBe(true);
  });

  it('leaves a model without BatchNorm alone, and restores everything if the pass throws', () => {
    updateBn([tensor([[1, 2]])], new Linear(2, 1));
    const model = build();
    const before = JSON.stringify(model.stateDict());
    expect(() => updateBn([fromFixture(fx.batches[0]!), tensor([[1, 2]])], model)).toThrow(/mat1 and mat2/);
    expect(JSON.stringify(model.stateDict())).toBe(before);
    expect((model.at(1) as BatchNorm1d).momentum).toBe(0.3);
  });

  it('recomputes a CNN’s BatchNorm2d statistics as torch’s update_bn does', () => {
    const cnn = JSON.parse(readFileSync(new URL('../../../tooling/fixtures/data/nn/cnn.json', import.meta.url), 'utf8')) as {
      updateBn: {
        init: Record<string, FixtureTensor>;
        batches: FixtureTensor[];
        runningMean: FixtureTensor;
        runningVar: FixtureTensor;
        numBatchesTracked: number;
      };
    };
    const u = cnn.updateBn;
    const net = new Sequential(
      new Conv2d(1, 4, 3, { padding: 1 }),
      new BatchNorm2d(4),
      new ReLU(),
      new MaxPool2d(2),
      new Conv2d(4, 6, 3),
      new ReLU(),
      new MaxPool2d(2),
      new Flatten(),
      new Linear(6, 3),
    );
    net.loadStateDict(Object.fromEntries(Object.entries(u.init).map(([k, v]) => [k, fromFixture(v)])));
    updateBn(
      u.batches.map((b) => fromFixture(b)),
      net,
    );
    const bn = net.at(1) as BatchNorm2d;
    assertClose('running_mean', bn.runningMean!.data, u.runningMean.data);
    assertClose('running_var', bn.runningVar!.data, u.runningVar.data);
    expect(bn.numBatchesTracked!.item()).toBe(u.numBatchesTracked);
  });
});
