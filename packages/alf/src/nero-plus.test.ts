import { SparseTensor, ValueError, mean, norm, parameter, tensor } from '@tsoptim/core';
import { describe, expect, it } from 'vitest';
import { expectClose, fixture, paramsFrom } from '../test/testing.js';
import { NeroPlus } from './nero-plus.js';

describe('NeroPlus', () => {
  for (const name of ['nero_plus_default', 'nero_plus_by_norm', 'nero_plus_momentum_opts']) {
    it(`initialize() and every step match the reference (${name})`, () => {
      const fx = fixture(name);
      const ps = paramsFrom(fx.shapes, fx.raw_init, fx.param_options);
      NeroPlus.initialize(ps, fx.init_options);
      ps.forEach((p, i) => expectClose(p, fx.initialized[i], `${name} initialize param ${i}`));
      // Start from the reference's initialised values, as the reference does.
      ps.forEach((p, i) => p.assign(fx.initialized[i]));
      const opt = new NeroPlus(ps, fx.options);
      fx.grads.forEach((step: number[][], t: number) => {
        ps.forEach((p, i) => p.setGrad(step[i]!));
        opt.step();
        ps.forEach((p, i) => expectClose(p, fx.values[t][i], `${name} step ${t + 1} param ${i}`, 2e-5, 2e-4));
      });
    });
  }

  it('keeps rows at zero mean and unit norm (hand-checked invariant)', () => {
    const w = parameter([
      [1, 2, 3],
      [-1, 0, 4],
    ]);
    const b = parameter([5, 6]);
    NeroPlus.initialize({ parameters: () => [w, b] });
    const opt = new NeroPlus([w, b], { lr: 0.1 });
    w.setGrad([
      [0.3, -0.2, 0.1],
      [1, 2, 3],
    ]);
    b.setGrad([1, -1]);
    opt.step();
    const m = mean(w, { dim: 1 });
    const n = norm(w, { dim: 1 });
    expect(Math.max(...Array.from(m.data).map(Math.abs))).toBeLessThan(1e-6);
    for (const v of n.data) expect(v).toBeCloseTo(1, 5);
    // 1-d parameters are unconstrained: the bias moved freely from [5, 6].
    expect(b.data[0]).toBeLessThan(5);
    expect(b.data[1]).toBeGreaterThan(6);
  });

  it('creates state for every parameter at once, with row-shaped exp_avg_sq under normalizingGradByNorm', () => {
    const w = parameter(
      [
        [0.6, -0.6],
        [0.6, -0.6],
      ].map((r) => r.map((x) => x / (0.6 * Math.SQRT2))),
    );
    const b = parameter([1, 2]);
    const opt = new NeroPlus([w, b], { normalizingGradByNorm: true, betas: [0, 0.999] });
    expect(opt.state.get(w)!.step).toBe(0);
    expect((opt.state.get(w)!.exp_avg_sq as never as { shape: number[] }).shape).toEqual([2, 1]);
    expect((opt.state.get(b)!.exp_avg_sq as never as { shape: number[] }).shape).toEqual([]);
    expect(opt.state.get(w)!.exp_avg).toBeUndefined();
    const sd = JSON.parse(JSON.stringify(opt.stateDict()));
    const opt2 = new NeroPlus([w, b], { normalizingGradByNorm: true, betas: [0, 0.999] });
    opt2.loadStateDict(sd);
    expect((opt2.state.get(w)!.exp_avg_sq as never as { shape: number[] }).shape).toEqual([2, 1]);
  });

  it('rejects unnormalised parameters in the constructor and in addParamGroup (nothing added)', () => {
    const bad = parameter([
      [1, 2],
      [3, 4],
    ]);
    expect(() => new NeroPlus([bad])).toThrow(
      /^Unnormalized parameter: mean\(\)=3\.5\. Model should be initialized using NeroPlus\.initialize\(\)$/,
    );
    const centred = parameter([
      [1, -1],
      [2, -2],
    ]);
    expect(() => new NeroPlus([centred])).toThrow(/^Unnormalized parameter: norm=2\.828\d*\. Model should be initialized/);
    // Only bounded norms: rows below maxNorm are fine, rows above are not.
    const small = parameter([[0.1, -0.1]]);
    expect(() => new NeroPlus([small], { fixedNorm: false })).not.toThrow();
    expect(() => new NeroPlus([small], { fixedNorm: true })).toThrow(/norm=0\.14/);
    const ok = parameter([[Math.SQRT1_2, -Math.SQRT1_2]]);
    const opt = new NeroPlus([ok]);
    expect(() => opt.addParamGroup({ params: [bad] })).toThrow(ValueError);
    expect(opt.paramGroups).toHaveLength(1);
    expect(opt.state.has(bad)).toBe(false);
    // A parameter whose own options lift the constraints is accepted.
    const free = parameter(
      [
        [1, 2],
        [3, 4],
      ],
      { options: { zeroMean: false, maxNorm: Number.POSITIVE_INFINITY } },
    );
    opt.addParamGroup({ params: [free], lr: 0.5 });
    expect(opt.paramGroups[1]!.lr).toBe(0.5);
    expect(opt.state.get(free)!.step).toBe(0);
    // A generator of parameters is consumed once and still reaches the group.
    const gen = parameter([[0, 0]], { options: { zeroMean: false, maxNorm: Number.POSITIVE_INFINITY } });
    opt.addParamGroup({
      params: (function* () {
        yield gen;
      })(),
    });
    expect(opt.paramGroups[2]!.params).toEqual([gen]);
  });

  it('validates its options', () => {
    const p = parameter([1]);
    expect(() => new NeroPlus([p], { betas: [1, 0.9] })).toThrow(new ValueError('Invalid value for betas[0]=1.0'));
    expect(() => new NeroPlus([p], { betas: [0.9, 0] })).toThrow(new ValueError('Invalid value for betas[1]=0.0'));
    expect(() => new NeroPlus([p], { lr: -1 })).toThrow(new ValueError('Invalid learning rate: -1.0'));
    expect(() => new NeroPlus([p], { eps: -1 })).toThrow(new ValueError('Invalid epsilon value: -1.0'));
    expect(() => new NeroPlus([p], { weightDecay: -1 })).toThrow(new ValueError('Invalid weight_decay value: -1.0'));
    expect(() => new NeroPlus([p], { l2Regularization: -1 })).toThrow(new ValueError('Invalid l2_regularization value: -1.0'));
    expect(() => new NeroPlus([p], { maxNorm: 0 })).toThrow(new ValueError('Invalid max_norm value: 0.0'));
    expect(() => NeroPlus.initialize([p], { maxNorm: -1 })).toThrow(new ValueError('Invalid max_norm value: -1'));
    const opt = new NeroPlus([p]);
    expect(() => opt.addParamGroup({ params: [parameter([2])], lr: -2 })).toThrow(new ValueError('Invalid learning rate: -2.0'));
    expect(opt.paramGroups).toHaveLength(1);
  });

  it('checks per-parameter options and sparse gradients at step time without changing anything', () => {
    const cases: [Record<string, number>, string][] = [
      [{ lr: -1 }, 'Invalid learning rate: -1'],
      [{ weightDecay: -1 }, 'Invalid weight_decay value: -1'],
      [{ l2Regularization: -1 }, 'Invalid l2_regularization value: -1'],
      [{ maxNorm: -1 }, 'Invalid max_norm value: -1'],
      [{ lrScale: -1 }, 'Invalid lr_scale value: -1'],
    ];
    for (const [options, message] of cases) {
      const a = parameter([1, 2]);
      const b = parameter([3, 4]);
      const opt = new NeroPlus([a, b]);
      b.options = { ...options };
      a.setGrad([1, 1]);
      b.setGrad([1, 1]);
      expect(() => opt.step()).toThrow(new ValueError(message));
      expect(Array.from(a.data)).toEqual([1, 2]);
      expect(opt.state.get(a)!.step).toBe(0);
    }
    const e = parameter([[1, 2]], { options: { zeroMean: false, maxNorm: Number.POSITIVE_INFINITY } });
    const opt = new NeroPlus([e]);
    e.grad = new SparseTensor([1, 2], Int32Array.of(0), tensor([[1, 1]]));
    expect(() => opt.step()).toThrow('NeroPlus does not support sparse gradients');
  });
});
