import { parameter } from '@tsoptim/core';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { Adam } from './adam.js';
import type { Schedulable } from './optimizer.js';
import { SGD } from './sgd.js';

describe('optimizer.currentValue', () => {
  it('reads a plain option, and a schedule at the step the next update uses', () => {
    const w = parameter([1, 2]);
    const opt = new Adam([w], { lr: (step: number) => 0.1 / (step + 1), betas: [0.8, 0.9] });
    expect(opt.currentValue(0, 'lr')).toBe(0.1);
    expect(opt.currentValue(opt.paramGroups[0]!, 'betas')).toEqual([0.8, 0.9]);
    w.setGrad([1, 1]);
    opt.step();
    expect(opt.currentValue(0, 'lr')).toBe(0.05);
    expect(opt.currentOptions(0)).toMatchObject({ lr: 0.05, betas: [0.8, 0.9], params: [w] });
    expectTypeOf(opt.currentValue(0, 'lr')).toEqualTypeOf<number>();
  });

  it('paramGroups say that an option may hold a schedule', () => {
    const opt = new SGD([parameter([1])], { lr: [0.3, 0.2, 0.1] });
    const lr = opt.paramGroups[0]!.lr;
    expectTypeOf(lr).toEqualTypeOf<Schedulable<number>>();
    expect(Array.isArray(lr)).toBe(true);
    expect(opt.currentValue(0, 'lr')).toBe(0.3);
    expectTypeOf(opt.paramGroups[0]!.nesterov).toEqualTypeOf<boolean>();
  });

  it('rejects a group index that does not exist', () => {
    const opt = new SGD([parameter([1])]);
    expect(() => opt.currentValue(3, 'lr')).toThrow('there is no parameter group 3');
  });
});
