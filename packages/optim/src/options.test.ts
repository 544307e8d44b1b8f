import { Parameter, TypeError_, tensor } from '@tsoptim/core';
import { describe, expect, it } from 'vitest';
import { ADAM_OPTIONS, Adam, AdamW, SGD, pyFloat, suggestName } from './index.js';

const p = () => new Parameter(tensor([1, 2]));

describe('defineOptions', () => {
  it('prints numbers as Python does', () => {
    expect([1, -1, 0.1, 1e-8, -1e-5, 1e16, 1.5e-4, 123456.0, Number.NaN, Number.POSITIVE_INFINITY, -0].map(pyFloat)).toEqual([
      '1.0',
      '-1.0',
      '0.1',
      '1e-08',
      '-1e-05',
      '1e+16',
      '0.00015',
      '123456.0',
      'nan',
      'inf',
      '-0.0',
    ]);
  });

  it('suggests the intended name: torch spelling first, then near misses', () => {
    const names = Object.keys(ADAM_OPTIONS.specs);
    const torch = new Map([['weight_decay', 'weightDecay']]);
    expect(suggestName('weight_decay', names, torch)).toBe('weightDecay');
    expect(suggestName('lrr', names, torch)).toBe('lr');
    expect(suggestName('amsgard', names, torch)).toBe('amsgrad');
    expect(suggestName('momentum', names, torch)).toBeUndefined();
  });

  it('rejects unknown names, wrong kinds and Tensors with messages that name the option', () => {
    expect(() => new SGD([p()], { lr: 0.1, weight_decay: 0.5 } as never)).toThrow(
      'SGD got an unknown option `weight_decay`; did you mean `weightDecay`?',
    );
    expect(() => new Adam([p()], { lrr: 0.1 } as never)).toThrow('Adam got an unknown option `lrr`; did you mean `lr`?');
    expect(() => new Adam([p()], { lr: 'fast' } as never)).toThrow(TypeError_);
    expect(() => new Adam([p()], { lr: '0.1' } as never)).toThrow('Adam: option `lr` must be a number');
    expect(() => new Adam([p()], { lr: null } as never)).toThrow('got null');
    expect(() => new Adam([p()], { lr: tensor([0.1]) } as never)).toThrow('Adam: option `lr`: a Tensor is not accepted');
    expect(() => new Adam([p()], { betas: [tensor([0.9]), 0.99] } as never)).toThrow('Adam: option `betas` must be an array of 2 numbers');
    expect(() => new AdamW([{ params: [p()], weight_decay: 0 }] as never)).toThrow(
      'AdamW got an unknown option `weight_decay` in parameter group 0; did you mean `weightDecay`?',
    );
    const opt = new Adam([p()]);
    expect(() => opt.addParamGroup({ params: [p()], lr: 'fast' } as never)).toThrow(
      'Adam: option `lr` in parameter group 1 must be a number',
    );
    expect(opt.paramGroups).toHaveLength(1);
  });

  it('loading an Adam state dict into AdamW keeps the decoupled decay (torch AdamW test)', () => {
    const a = p();
    const adam = new Adam([a], { weightDecay: 0.1 });
    const w = p();
    const adamw = new AdamW([w], { weightDecay: 0.1 });
    adamw.loadStateDict(adam.stateDict());
    expect(adamw.paramGroups[0]!.decoupledWeightDecay).toBe(true);
  });

  it('keeps state entries that are not keyed by a parameter (torch keeps them for state-dict hooks)', () => {
    const a = p();
    const opt = new Adam([a]);
    (opt.state as Map<unknown, Record<string, unknown>>).set('hook', { note: 1 });
    const sd = opt.stateDict();
    expect(sd.state.hook).toEqual({ note: 1 });
    const other = new Adam([p()]);
    other.loadStateDict(JSON.parse(JSON.stringify(sd)));
    expect((other.state as Map<unknown, unknown>).get('hook')).toEqual({ note: 1 });
  });

  it('types the group per optimizer', () => {
    const a = p();
    expect(
      () =>
        // @ts-expect-error an option SGD does not have
        new SGD([{ params: [a], amsgrad: true }]),
    ).toThrow('amsgrad');
    expect(
      () =>
        // @ts-expect-error torch's spelling
        new Adam([{ params: [p()], weight_decay: 0 }]),
    ).toThrow('weightDecay');
    new Adam([{ params: [p()], weightDecay: 0, initialLr: 1e-3 }]);
    const g = new Adam([a]).paramGroups[0]!;
    // @ts-expect-error no string index on a group
    g.lrr;
    expect(g.lr).toBe(1e-3);
  });
});
