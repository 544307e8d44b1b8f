import { RuntimeError, TypeError_, ValueError, parameter, tensor } from '@tsoptim/core';
import { describe, expect, it } from 'vitest';
import { expectClose, fixture } from '../test/testing.js';
import { TrustedUpdater } from './trusted-updater.js';

const sqrtAbsSum = (d: Float32Array): number => Math.sqrt(d.reduce((a, v) => a + Math.abs(v), 0));
const absMax = (d: Float32Array): number => d.reduce((a, v) => Math.max(a, Math.abs(v)), 0);

describe('TrustedUpdater', () => {
  const fx = fixture('trusted_updater');
  const byName = (n: string) => fx.cases.find((c: { name: string }) => c.name === n);

  it('shrinks a step once when the norm is 5× too big (hand-worked: [3, 4] → [0.54, 0.72])', () => {
    const c = byName('norm');
    const w = parameter(c.prev);
    const tu = new TrustedUpdater([w]);
    w.assign(c.stepped);
    const res = tu.adjustStep(() => tensor([Math.hypot(...w.data)]), c.max_change);
    expect(res.steps).toBe(c.steps);
    expect((res.change0 as never as { item(): number }).item()).toBeCloseTo(c.change0, 6);
    expectClose(w, c.final, 'w');
    // The new values are the next "previous" values: no change now, no shrink.
    expect(tu.adjustStep(() => 0.5, 1)).toEqual({ change0: 0.5, steps: 0 });
  });

  it('handles nested changes and repeats the shrink (float64 reference)', () => {
    const c = byName('nested_sqrt');
    const w = parameter(c.prev);
    const tu = new TrustedUpdater([w]);
    w.assign(c.stepped);
    const res = tu.adjustStep(() => ({ a: sqrtAbsSum(w.data), b: [absMax(w.data)] }), c.max_change);
    expect(res.steps).toBe(c.steps);
    expect(res.change0.a).toBeCloseTo(c.change0.a, 5);
    expectClose(w, c.final, 'w');
  });

  it("stops at ALF's bound on tries and restores the parameters", () => {
    const c = byName('unreachable');
    expect(c.fails).toBe(true);
    const w = parameter(c.prev);
    const tu = new TrustedUpdater([w]);
    w.assign(c.stepped);
    expect(() => tu.adjustStep(() => ({ a: sqrtAbsSum(w.data), b: [absMax(w.data)] }), c.max_change)).toThrow(RuntimeError);
    expectClose(w, c.stepped, 'restored');
    // With maxSteps 3 the same happens after 3 tries.
    let calls = 0;
    const tu3 = new TrustedUpdater([w], { maxSteps: 3 });
    w.assign([10, 10, 10]);
    expect(() =>
      tu3.adjustStep(() => {
        calls++;
        return 100;
      }, 1),
    ).toThrow(/change cannot be reduced/);
    expect(calls).toBe(4);
    expect(Array.from(w.data)).toEqual([10, 10, 10]);
  });

  it('validates its arguments', () => {
    expect(() => new TrustedUpdater([])).toThrow(new ValueError('TrustedUpdater got an empty parameter list'));
    expect(() => new TrustedUpdater([1 as never])).toThrow(TypeError_);
    expect(() => new TrustedUpdater([parameter([1])], { maxSteps: 0 })).toThrow(ValueError);
    const tu = new TrustedUpdater([parameter([1])]);
    expect(() => tu.adjustStep(() => 1, 0)).toThrow(new ValueError('maxChange must be positive, got 0'));
    expect(() => tu.adjustStep(() => ({ a: 1 }), { b: 1 })).toThrow('the change and maxChange must have the same structure');
    expect(() => tu.adjustStep(() => 'x' as never, 1)).toThrow(TypeError_);
  });
});
