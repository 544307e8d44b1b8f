import { Parameter, tensor } from '@tsoptim/core';
import { loadFixture } from '@tsoptim/testkit';
import { describe, expect, it } from 'vitest';
import { Adam, Rprop, SGD } from './index.js';

type Num = number | { __float__: string };
const num = (v: Num): number => (typeof v === 'number' ? v : Number(v.__float__.replace('inf', 'Infinity').replace('nan', 'NaN')));

describe('non-finite gradients', () => {
  it('Rprop keeps a parameter finite after NaN and infinite gradient elements, as torch 1.13 does', () => {
    const fx = loadFixture<{ lr: number; init: number[]; steps: { grad: Num[]; param: Num[]; prev: Num[]; step_size: Num[] }[] }>(
      'optim',
      'rprop_nonfinite',
    );
    const p = new Parameter(tensor(fx.init));
    const opt = new Rprop([p], { lr: fx.lr });
    for (const s of fx.steps) {
      p.setGrad(s.grad.map(num));
      opt.step();
      const st = opt.state.get(p)!;
      const close = (got: Float32Array, want: Num[]) =>
        want.forEach((w, i) => (Number.isNaN(num(w)) ? expect(got[i]).toBeNaN() : expect(got[i]).toBeCloseTo(num(w), 6)));
      close(p.data, s.param);
      close((st.prev as Parameter).data, s.prev);
      close((st.step_size as Parameter).data, s.step_size);
      for (const x of p.data) expect(Number.isFinite(x)).toBe(true);
    }
  });

  it('skipNonFinite skips a step whose gradients are not all finite, changes nothing, and counts it', () => {
    for (const make of [(ps: Parameter[]) => new Adam(ps, { lr: 0.1 }), (ps: Parameter[]) => new SGD(ps, { lr: 0.1, momentum: 0.9 })]) {
      const a = new Parameter(tensor([1, 2, 3]));
      const b = new Parameter(
        tensor([
          [1, 2],
          [3, 4],
        ]),
      );
      const opt = make([a, b]);
      opt.skipNonFinite = true;
      a.setGrad([0.1, 0.2, 0.3]);
      b.setGrad([
        [1, 1],
        [1, 1],
      ]);
      opt.step();
      const before = JSON.stringify({ a: [...a.data], b: [...b.data], sd: opt.stateDict() });
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
        b.setGrad([
          [1, 1],
          [bad, 1],
        ]);
        opt.step();
        expect(JSON.stringify({ a: [...a.data], b: [...b.data], sd: opt.stateDict() })).toBe(before);
      }
      expect(opt.skippedSteps).toBe(3);
      b.setGrad([
        [1, 1],
        [1, 1],
      ]);
      opt.step();
      expect(opt.skippedSteps).toBe(3);
      expect(opt.state.get(a)!.step ?? 2).toBe(2);
      expect(a.data[0]).not.toBe(JSON.parse(before).a[0]);
    }
  });

  it('without the guard, torch behaviour: Adam takes the NaN into its state', () => {
    const a = new Parameter(tensor([1, 2]));
    const opt = new Adam([a]);
    a.setGrad([Number.NaN, 1]);
    opt.step();
    expect(a.data[0]).toBeNaN();
    expect(opt.skippedSteps).toBe(0);
  });
});
