import { RuntimeError, SparseTensor, ValueError, parameter, tensor } from '@tsoptim/core';
import { describe, expect, it } from 'vitest';
import { AdamTF } from './adam-tf.js';
import { NeroPlus } from './nero-plus.js';
import { expectClose, fixture, paramsFrom } from '../test/testing.js';

describe('AdamTF', () => {
  for (const name of ['adam_tf_default', 'adam_tf_amsgrad', 'adam_tf_weight_decay']) {
    it(`matches the reference after every step (${name})`, () => {
      const fx = fixture(name);
      const popts = (fx.param_weight_decay ?? []).map((wd: number | null) => (wd === null ? {} : { weightDecay: wd }));
      const ps = paramsFrom(fx.shapes, fx.init, popts);
      const opt = new AdamTF(ps, fx.options);
      fx.grads.forEach((step: number[][], t: number) => {
        ps.forEach((p, i) => p.setGrad(step[i]!));
        opt.step();
        ps.forEach((p, i) => expectClose(p, fx.values[t][i], `${name} step ${t + 1} param ${i}`));
      });
      ps.forEach((p, i) => {
        const s = opt.state.get(p)!;
        expect(s.step).toBe(fx.grads.length);
        expectClose(s.exp_avg as never, fx.final_state.exp_avg[i], 'exp_avg');
        expectClose(s.exp_avg_sq as never, fx.final_state.exp_avg_sq[i], 'exp_avg_sq', 1e-7);
        if (fx.options.amsgrad) expectClose(s.max_exp_avg_sq as never, fx.final_state.max_exp_avg_sq[i], 'max_exp_avg_sq', 1e-7);
      });
    });
  }

  it('uses eps 1e-7 added before bias correction by default (hand-worked first step)', () => {
    // t = 1, g = 1: m = 0.1, v = 0.001, step = lr·√0.001/0.1; θ = 1 − step·0.1/(√0.001 + 1e-7)
    const p = parameter([1]);
    const opt = new AdamTF([p], { lr: 0.1 });
    p.setGrad([1]);
    opt.step();
    const step = (0.1 * Math.sqrt(0.001)) / 0.1;
    expect(p.data[0]).toBeCloseTo(1 - (step * 0.1) / (Math.sqrt(0.001) + 1e-7), 6);
    expect(opt.defaults.eps).toBe(1e-7);
  });

  it('validates its options with ALF/torch messages', () => {
    const p = parameter([1]);
    expect(() => new AdamTF([p], { lr: -1 })).toThrow(new ValueError('Invalid learning rate: -1.0'));
    expect(() => new AdamTF([p], { eps: -1e-8 })).toThrow(new ValueError('Invalid epsilon value: -1e-08'));
    expect(() => new AdamTF([p], { betas: [1, 0.999] })).toThrow(new ValueError('Invalid beta parameter at index 0: 1.0'));
    expect(() => new AdamTF([p], { betas: [0.9, -0.1] })).toThrow(new ValueError('Invalid beta parameter at index 1: -0.1'));
    expect(() => new AdamTF([p], { weightDecay: -0.1 })).toThrow(new ValueError('Invalid weight_decay value: -0.1'));
  });

  it('rejects a negative per-parameter weight decay and a sparse gradient before changing anything', () => {
    const a = parameter([1, 2]);
    const b = parameter([3, 4], { options: { weightDecay: -1 } });
    const opt = new AdamTF([a, b], { lr: 0.1 });
    a.setGrad([1, 1]);
    b.setGrad([1, 1]);
    expect(() => opt.step()).toThrow(new ValueError('Invalid weight_decay value: -1'));
    expect(Array.from(a.data)).toEqual([1, 2]);
    expect(opt.state.size).toBe(0);
    b.options.weightDecay = 0;
    const e = parameter([
      [1, 2],
      [3, 4],
    ]);
    const opt2 = new AdamTF([a, e]);
    e.grad = new SparseTensor([2, 2], Int32Array.of(1), tensor([[1, 1]]));
    expect(() => opt2.step()).toThrow(RuntimeError);
    expect(Array.from(a.data)).toEqual([1, 2]);
  });

  it('resetState restarts steps and averages; the state dict has torch layout', () => {
    const p = parameter([1, 2]);
    const opt = new AdamTF([p], { amsgrad: true });
    p.setGrad([1, 1]);
    opt.step();
    const sd = opt.stateDict();
    expect(Object.keys(sd.state['0']!).sort()).toEqual(['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq', 'step']);
    expect(sd.param_groups[0]).toMatchObject({ lr: 1e-3, eps: 1e-7, weight_decay: 0, amsgrad: true });
    opt.resetState();
    expect(opt.state.get(p)!.step).toBe(0);
    expect(Array.from((opt.state.get(p)!.exp_avg as never as { data: Float32Array }).data)).toEqual([0, 0]);
  });
});

describe('AdamTF and NeroPlus with default params (ALF builds optimizers before it knows the parameters)', () => {
  it('start with one empty group and take parameters later', () => {
    for (const opt of [new AdamTF(), new AdamTF({ lr: 0.01 }), new NeroPlus(), new NeroPlus({ lr: 0.1 })]) {
      expect(opt.paramGroups).toHaveLength(1);
      expect(opt.paramGroups[0]!.params).toEqual([]);
      const w = parameter([1, 2]);
      opt.addParamGroup({ params: [w] });
      w.setGrad([0.1, 0.2]);
      opt.step();
      expect(w.data[0]).not.toBe(1);
    }
    expect(new AdamTF({ lr: 0.01 }).defaults.lr).toBe(0.01);
    expect(() => new AdamTF({ lrr: 0.01 } as never)).toThrow('AdamTF got an unknown option `lrr`; did you mean `lr`?');
  });
});
