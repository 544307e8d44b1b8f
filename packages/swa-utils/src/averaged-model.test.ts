import { type Tensor, ValueError, tensor, zeros } from '@tsoptim/core';
import { BatchNorm1d, Linear, ReLU, Sequential, noGrad } from '@tsoptim/nn';
import { describe, expect, it } from 'vitest';
import { AveragedModel, getEmaAvgFn, getSwaMultiAvgFn } from './index.js';
import { type FixtureTensor, assertClose, fromFixture, loadFixture } from './internal/testing.js';

type State = Record<string, FixtureTensor>;
interface Case {
  name: string;
  snapshots: State[];
  initialAveraged: State;
  after: State[];
  keys: string[];
}
const fx = loadFixture<{ source: string; cases: Case[] }>('averaged_model');
const net = () => new Sequential(new Linear(3, 4), new BatchNorm1d(4), new ReLU(), new Linear(4, 2));
const load = (m: Sequential, s: State) => m.loadStateDict(Object.fromEntries(Object.entries(s).map(([k, v]) => [k, fromFixture(v)])));

describe(`AveragedModel against torch (${fx.source})`, () => {
  it("has torch's state-dict keys", () => {
    expect(Object.keys(new AveragedModel(net()).stateDict())).toEqual(fx.cases[0]!.keys);
  });

  for (const c of fx.cases) {
    it(`${c.name}: parameters after each update`, () => {
      const model = net();
      const avg =
        c.name === 'swa_default' ? new AveragedModel(model) : new AveragedModel(model, { avgFn: getEmaAvgFn(0.9), useBuffers: true });
      c.snapshots.forEach((s, i) => {
        load(model, s);
        avg.updateParameters(model);
        const sd = avg.stateDict();
        expect(sd.n_averaged!.item()).toBe(i + 1);
        for (const [k, v] of Object.entries(c.after[i]!)) {
          if (k.endsWith('num_batches_tracked') || k === 'n_averaged') continue; // integers in torch
          if (c.name === 'swa_default' && k.includes('running_')) continue; // buffers: see the next test
          assertClose(`update ${i} ${k}`, sd[k]!.data, v.data);
        }
      });
    });
  }
});

describe('AveragedModel', () => {
  it('copies on the first update, then averages with the SWA mean by default', () => {
    const model = new Linear(2, 1, { seed: 0 });
    const avg = new AveragedModel(model);
    expect(avg.module).not.toBe(model);
    model.weight.assign([[2, 4]]);
    avg.updateParameters(model);
    expect(Array.from(avg.module.weight.data)).toEqual([2, 4]);
    model.weight.assign([[4, 8]]);
    avg.updateParameters(model);
    model.weight.assign([[0, 0]]);
    avg.updateParameters(model);
    expect(Array.from(avg.module.weight.data)).toEqual([2, 4]);
    expect(avg.nAveraged.item()).toBe(3);
    const y = noGrad(() => avg.forward(tensor([[1, 1]])));
    expect(y.item()).toBeCloseTo(6 + avg.module.bias!.data[0]!, 5);
  });

  it('copies the buffers from the model without useBuffers (current PyTorch), averages them with it', () => {
    const model = net();
    const plain = new AveragedModel(model);
    const withBuffers = new AveragedModel(model, { useBuffers: true });
    const rm = (model.at(1) as BatchNorm1d).runningMean!;
    for (const v of [1, 3]) {
      rm.fill_(v);
      plain.updateParameters(model);
      withBuffers.updateParameters(model);
    }
    expect(Array.from((plain.module.at(1) as BatchNorm1d).runningMean!.data)).toEqual([3, 3, 3, 3]);
    expect(Array.from((withBuffers.module.at(1) as BatchNorm1d).runningMean!.data)).toEqual([2, 2, 2, 2]);
  });

  it('rejects both avgFn and multiAvgFn, and mismatched models without changing anything', () => {
    const model = net();
    expect(() => new AveragedModel(model, { avgFn: getEmaAvgFn(), multiAvgFn: getSwaMultiAvgFn() })).toThrow(
      new ValueError('Only one of avg_fn and multi_avg_fn should be provided'),
    );
    const avg = new AveragedModel(model);
    const before = JSON.stringify(avg.stateDict());
    expect(() => avg.updateParameters(new Linear(3, 4))).toThrow(ValueError);
    expect(() => avg.updateParameters(new Sequential(new Linear(3, 4), new BatchNorm1d(4), new ReLU(), new Linear(4, 3)))).toThrow(/shape/);
    expect(JSON.stringify(avg.stateDict())).toBe(before);
  });

  it('round-trips its state dict', () => {
    const model = net();
    const a = new AveragedModel(model);
    a.updateParameters(model);
    a.updateParameters(model);
    const b = new AveragedModel(net());
    b.loadStateDict(a.stateDict());
    expect(b.nAveraged.item()).toBe(2);
    expect(Array.from((b.module.parameters()[0] as Tensor).data)).toEqual(Array.from(a.module.parameters()[0]!.data));
    expect(zeros([1]).size).toBe(1);
  });
});
