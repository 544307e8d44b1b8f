import { RuntimeError, Tensor, TypeError_, ValueError, tensor, zeros } from '@tsoptim/core';
import { constant, plateau } from '@tsoptim/lr-scheduler';
import { loadFixture } from '@tsoptim/testkit';
import { describe, expect, it } from 'vitest';
import { ThincOptimizer, keyedOptimizer, thincOptimizerFromConfig } from './index.js';
import { type ThincCase, expectClose, runThincCase } from '../test/thinc-testing.js';

const fx = loadFixture<{ source: string; cases: ThincCase[] }>('registry', 'thinc_optimizer');

const NAMES: Record<string, string> = {
  learn_rate: 'learnRate',
  L2: 'l2',
  beta1: 'beta1',
  beta2: 'beta2',
  eps: 'eps',
  grad_clip: 'gradClip',
  L2_is_weight_decay: 'l2IsWeightDecay',
  use_averages: 'useAverages',
  use_radam: 'useRadam',
};

describe(`thinc's optimizer against ${fx.source}`, () => {
  for (const c of fx.cases.filter((x) => x.config === undefined)) {
    it(c.name, () => {
      const options = Object.fromEntries(Object.entries(c.options).map(([k, v]) => [NAMES[k]!, v]));
      runThincCase(c, keyedOptimizer(options as never));
    });
  }

  it('builds from thinc config text with a warmup_linear schedule', () => {
    const c = fx.cases.find((x) => x.config !== undefined)!;
    runThincCase(c, thincOptimizerFromConfig(c.config!));
  });
});

describe('ThincOptimizer', () => {
  it('is callable and an instance at once, sharing state with its methods', () => {
    const opt = keyedOptimizer({ learnRate: 0.1, beta1: 0, beta2: 0, gradClip: 0, useAverages: false });
    expect(typeof opt).toBe('function');
    expect(opt).toBeInstanceOf(ThincOptimizer);
    const w = tensor([1, 2]);
    opt(['layer', 'W'], w, tensor([1, 1]));
    opt.update(['layer', 'W'], w, tensor([1, 1]));
    expect(opt.nrUpdate(['layer', 'W'])).toBe(2);
    expectClose('w', w.data, [0.8, 1.8]);
    expect(opt.slot(['layer', 'W'])?.mom1).toBeNull();
    expect(opt.nrUpdate(['other'])).toBe(0);
  });

  it('advances generators with stepSchedules and keeps the last value once exhausted', () => {
    function* rates() {
      yield 0.1;
      yield 0.2;
    }
    const opt = new ThincOptimizer({ learnRate: rates(), eps: [1e-8, 1e-7, 1e-6, 1e-5] });
    expect([opt.learnRate, opt.eps]).toEqual([0.1, 1e-8]);
    opt.stepSchedules();
    expect([opt.learnRate, opt.eps, opt.step]).toEqual([0.2, 1e-7, 1]);
    opt.stepSchedules();
    opt.stepSchedules();
    expect([opt.learnRate, opt.eps, opt.step]).toEqual([0.2, 1e-5, 3]);
    opt.stepSchedules();
    expect(opt.eps).toBe(1e-5);
  });

  it('feeds lastScore to a plateau schedule', () => {
    const opt = new ThincOptimizer({ learnRate: plateau({ maxPatience: 1, scale: 0.5, schedule: constant(0.1) }) });
    expect(opt.learnRate).toBe(0.1);
    opt.lastScore = 0.8;
    expect(opt.lastScore).toEqual([0, 0.8]);
    expect(opt.learnRate).toBe(0.1);
    opt.stepSchedules();
    opt.lastScore = 0.7; // no improvement at a later step: one plateau
    expect(opt.learnRate).toBeCloseTo(0.05, 12);
    opt.stepSchedules();
    opt.lastScore = [2, 0.9];
    expect(opt.learnRate).toBeCloseTo(0.05, 12);
    expect(() => {
      opt.lastScore = 'high' as never;
    }).toThrow(TypeError_);
  });

  it('evaluates function schedules at the schedule step', () => {
    const opt = new ThincOptimizer({ learnRate: (step: number) => 0.1 * (step + 1) });
    opt.stepSchedules();
    opt.stepSchedules();
    expect(opt.learnRate).toBeCloseTo(0.3, 12);
  });

  it('rejects bad options by name', () => {
    expect(() => new ThincOptimizer({} as never)).toThrow("ThincOptimizer needs a 'learn_rate'");
    expect(() => new ThincOptimizer({ learnRate: [] })).toThrow("Invalid schedule for 'learn_rate' (array): it yields no value");
    expect(() => new ThincOptimizer({ learnRate: 0.1, l2: 'much' as never })).toThrow("Invalid schedule for 'L2' (string)");
    expect(() => new ThincOptimizer({ learnRate: 0.1, lrr: 1 } as never)).toThrow('invalid option "lrr" for ThincOptimizer');
    expect(() => new ThincOptimizer({ learnRate: 0.1, useAverages: 1 } as never)).toThrow(TypeError_);
  });

  it('leaves everything as it was when a call fails', () => {
    const opt = new ThincOptimizer({ learnRate: 0.1, beta1: 0 });
    const w = tensor([1, 2]);
    const g = tensor([1, 1]);
    expect(() => opt.update('w', w, g)).toThrow(RuntimeError);
    expect(opt.nrUpdate('w')).toBe(0);
    expect(Array.from(w.data)).toEqual([1, 2]);
    expect(Array.from(g.data)).toEqual([1, 1]);
    const ok = new ThincOptimizer({ learnRate: 0.1 });
    expect(() => ok.update('w', w, tensor([1, 2, 3]))).toThrow(ValueError);
    ok.update('w', w, g);
    expect(() => ok.update('w', tensor([1, 2, 3]), tensor([1, 2, 3]))).toThrow('whose state holds 2 elements');
    expect(ok.nrUpdate('w')).toBe(1);
    const bad = new ThincOptimizer({ learnRate: () => Number.NaN });
    expect(() => bad.update('w', w, g)).toThrow("the schedule for 'learn_rate' gave NaN, not a number");
    expect(() => ok.update({} as never, w, g)).toThrow(TypeError_);
  });

  it('skips an empty gradient, as thinc', () => {
    const opt = new ThincOptimizer({ learnRate: 0.1 });
    opt.update('e', zeros([0]), zeros([0]));
    expect(opt.nrUpdate('e')).toBe(0);
  });

  it('lists every average by key and frees its state', () => {
    const opt = new ThincOptimizer({ learnRate: 0.1 });
    opt.update([1, 'W'], tensor([1]), tensor([1]));
    opt.update('b', tensor([1]), tensor([1]));
    expect([...opt.averages.keys()]).toEqual(['[1,"W"]', '"b"']);
    expect(Tensor.isTensor(opt.averages.get('"b"'))).toBe(true);
    opt.dispose();
    expect(opt.averages.size).toBe(0);
  });
});
