import { TypeError_, ValueError, parameter } from '@tsoptim/core';
import { SGD } from '@tsoptim/optim';
import { describe, expect, it } from 'vitest';
import { AdamTF } from './adam-tf.js';
import { AdamW } from './adamw.js';
import { expectClose, fixture, paramsFrom } from '../test/testing.js';
import { NeroPlus } from './nero-plus.js';
import { wrapOptimizer } from './wrap-optimizer.js';

describe('wrapOptimizer', () => {
  it('clips each gradient by its own norm before SGD (reference after every step)', () => {
    const fx = fixture('wrap_sgd_clip_norms');
    const ps = paramsFrom(fx.shapes, fx.init);
    const opt = wrapOptimizer(new SGD(ps, fx.options), fx.wrap);
    fx.grads.forEach((step: number[][], t: number) => {
      ps.forEach((p, i) => p.setGrad(step[i]!));
      opt.step();
      ps.forEach((p, i) => expectClose(p.grad as never, fx.clipped_grads[t][i], `clipped grad ${t} ${i}`));
      ps.forEach((p, i) => expectClose(p, fx.values[t][i], `step ${t + 1} param ${i}`));
    });
  });

  it("clips by the global norm before ALF's AdamW (torch 1.13 reference after every step)", () => {
    const fx = fixture('wrap_adamw_clip_global');
    const ps = paramsFrom(fx.shapes, fx.init);
    const opt = wrapOptimizer(new AdamW(ps, fx.options), fx.wrap);
    fx.grads.forEach((step: number[][], t: number) => {
      ps.forEach((p, i) => p.setGrad(step[i]!));
      opt.step();
      expect(opt.lastGlobalNorm!.item()).toBeCloseTo(fx.global_norms[t], 4);
      ps.forEach((p, i) => expectClose(p, fx.values[t][i], `step ${t + 1} param ${i}`));
    });
  });

  it('re-evaluates a callable lr, applies a per-group scheduler to a group added later, and restores fixedNorm', () => {
    const fx = fixture('wrap_schedule_fixed_norm');
    const ps = paramsFrom(fx.shapes, fx.init, [{ fixedNorm: true }]);
    const opt = wrapOptimizer((groups) => new AdamTF(groups, { lr: 0.1 }), { lr: (s) => 0.1 * 0.5 ** s });
    expect(opt.paramGroups).toEqual([]);
    expect(opt.stateDict()).toEqual({ state: {}, param_groups: [] });
    opt.addParamGroup({ params: [ps[0]!, ps[1]!] });
    expect(opt.optimizer).toBeInstanceOf(AdamTF);
    fx.grads.forEach((step: number[][], t: number) => {
      if (t === fx.add_group_before_step) opt.addParamGroup({ params: [ps[2]!], lrScheduler: (s) => 0.05 / (1 + s) });
      ps.forEach((p, i) => p.setGrad(step[i]!));
      opt.step();
      expect(opt.paramGroups[0]!.lr).toBeCloseTo(0.1 * 0.5 ** t, 12);
      ps.forEach((p, i) => expectClose(p, fx.values[t][i], `step ${t + 1} param ${i}`));
    });
  });

  it('reads scheduler objects through getLastLr() and advances them after each step', () => {
    const p = parameter([1]);
    const q = parameter([1]);
    let lr = 0.5;
    const sched = {
      getLastLr: () => [lr],
      step: () => {
        lr /= 2;
      },
    };
    const opt = wrapOptimizer(new SGD([p], { lr: 1 }), { lr: 0.25 });
    expect(opt.paramGroups[0]!.lr).toBe(0.25);
    opt.addParamGroup({ params: [q], lrScheduler: sched });
    expect(opt.paramGroups[1]!.lr).toBe(0.5);
    p.setGrad([1]);
    q.setGrad([1]);
    opt.step();
    expect(q.data[0]).toBeCloseTo(0.5);
    expect(p.data[0]).toBeCloseTo(0.75);
    opt.step();
    expect(q.data[0]).toBeCloseTo(0.25);
    expect(opt.stepCount).toBe(2);
  });

  it('leaves fixedNorm to NeroPlus itself and delegates the optimizer API', () => {
    const w = parameter([[3, 4]], { options: { fixedNorm: true, zeroMean: false, maxNorm: 5 } });
    const opt = wrapOptimizer(new NeroPlus([w], { lr: 0.1 }), { name: 'nero' });
    expect(opt.name).toBe('nero');
    w.setGrad([[1, 0]]);
    opt.step();
    expect(Math.hypot(...w.data)).toBeCloseTo(5, 4);
    opt.zeroGrad();
    expect(w.grad).toBeNull();
    const sd = opt.stateDict();
    expect(sd.param_groups).toHaveLength(1);
    opt.loadStateDict(sd);
    expect(opt.state.get(w)!.step).toBe(1);
  });

  it('validates its options and rejects bad schedules without changing anything', () => {
    const p = parameter([1]);
    expect(() => wrapOptimizer(new SGD([p]), { gradientClipping: 0 })).toThrow(new ValueError('Invalid gradient_clipping value: 0'));
    expect(() => wrapOptimizer(new SGD([p]), { lr: -1 })).toThrow(new ValueError('Invalid learning rate: -1'));
    expect(() => wrapOptimizer(new SGD([p]), { lr: () => -1 })).toThrow(new ValueError('Invalid learning rate: -1'));
    expect(() => wrapOptimizer(new SGD([p]), { lr: 'x' as never })).toThrow(TypeError_);
    const opt = wrapOptimizer(new SGD([p], { lr: 0.1 }), { lr: (s) => (s === 0 ? 0.1 : -0.5) });
    p.setGrad([1]);
    opt.step();
    expect(() => opt.step()).toThrow(new ValueError('Invalid learning rate: -0.5'));
    expect(opt.paramGroups[0]!.lr).toBe(0.1);
    expect(p.data[0]).toBeCloseTo(0.9);
    expect(() => opt.addParamGroup({ params: [parameter([2])], lrScheduler: 3 as never })).toThrow(TypeError_);
    expect(opt.paramGroups).toHaveLength(1);
    const empty = wrapOptimizer((g) => new SGD(g));
    expect(() => empty.optimizer).toThrow('no parameter group yet');
    expect(empty.step(() => 3)).toBe(3);
    expect(() => empty.loadStateDict({ state: {}, param_groups: [{ params: [0] }] })).toThrow(ValueError);
  });
});
