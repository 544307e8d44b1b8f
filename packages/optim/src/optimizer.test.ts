import { Parameter, SparseTensor, TsoptimError, parameter, tensor } from '@tsoptim/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Adam, type Optimizer, RAdam, SGD, registerOptimizerStepPostHook, registerOptimizerStepPreHook } from './index.js';

const p = (v: number[]) => parameter(v);

describe('Optimizer construction (torch wording)', () => {
  it('rejects a single tensor, an empty list, non-parameters and sets', () => {
    const w = p([1, 2]);
    expect(() => new SGD(w as never)).toThrow(
      'params argument given to the optimizer should be an iterable of Tensors or dicts, but got Parameter',
    );
    expect(() => new SGD([])).toThrow('optimizer got an empty parameter list');
    expect(() => new SGD([tensor([1]) as never])).toThrow('optimizer can only optimize Tensors, but one of the params is Tensor');
    expect(() => new SGD([{ params: new Set([w]) as never }])).toThrow('ordering of tensors in sets will change between runs');
  });

  it('rejects a parameter in two groups and mixed named/unnamed groups', () => {
    const a = p([1]);
    const b = p([2]);
    expect(() => new SGD([{ params: [a] }, { params: [a, b] }])).toThrow('some parameters appear in more than one parameter group');
    expect(() => new SGD([{ params: [a] }, { params: [['b', b]] }])).toThrow(
      'all optimizer param groups should be with/without names. cannot add param group with names to the optimizer',
    );
    expect(() => new SGD([['a', a], b] as never)).toThrow(
      'all optimizer params should be with/without names. Some param names are missing',
    );
  });

  it('fills defaults per group and keeps overrides; names become param_names', () => {
    const a = p([1]);
    const b = p([2]);
    const opt = new SGD([{ params: [['enc.w', a]] }, { params: [['dec.w', b]], lr: 0.5 }], { lr: 0.1, momentum: 0.9 });
    expect(opt.paramGroups.map((g) => [g.lr, g.momentum])).toEqual([
      [0.1, 0.9],
      [0.5, 0.9],
    ]);
    expect(opt.paramGroups[0]!.paramNames).toEqual(['enc.w']);
    const sd = opt.stateDict();
    expect(sd.param_groups[1]).toMatchObject({ lr: 0.5, momentum: 0.9, param_names: ['dec.w'], params: [1] });
  });

  it('validates groups as well as defaults, and CUDA-only flags clearly', () => {
    const a = p([1]);
    expect(() => new Adam([{ params: [a], lr: -2 }])).toThrow('Invalid learning rate: -2');
    expect(() => new RAdam([a], { fused: true } as never)).toThrow('RAdam got an unknown option `fused`');
    // torch has fused CPU kernels for Adam, AdamW, SGD and Adagrad: every tsoptim step already is one.
    expect(new Adam([a], { fused: true }).defaults.fused).toBe(true);
    expect(() => new Adam([a], { capturable: true })).toThrow(/capturable=true/);
    expect(() => new Adam([a], { differentiable: true })).toThrow(/differentiable=true/);
  });

  it('addParamGroup validates before adding', () => {
    const a = p([1]);
    const opt = new SGD([a], { lr: 0.1 });
    expect(() => opt.addParamGroup({ params: [a] })).toThrow('some parameters appear in more than one parameter group');
    expect(() => opt.addParamGroup({ params: [p([3])], lr: -1 })).toThrow('Invalid learning rate: -1');
    expect(opt.paramGroups).toHaveLength(1);
    opt.addParamGroup({ params: p([3]), momentum: 0.5 });
    expect(opt.paramGroups[1]).toMatchObject({ lr: 0.1, momentum: 0.5 });
  });

  it('errors are recognisable across package copies', () => {
    try {
      new SGD([]);
    } catch (e) {
      expect(TsoptimError.isInstance(e)).toBe(true);
    }
  });
});

describe('step, zeroGrad and hooks', () => {
  const handles: { remove(): void }[] = [];
  afterEach(() => {
    for (const h of handles.splice(0)) h.remove();
  });

  it('skips parameters without gradients and returns the closure loss', () => {
    const a = p([1, 2]);
    const b = p([3]);
    const opt = new SGD([a, b], { lr: 0.5 });
    a.setGrad([2, 4]);
    expect(opt.step(() => 7)).toBe(7);
    expect(Array.from(a.data)).toEqual([0, 0]);
    expect(Array.from(b.data)).toEqual([3]);
  });

  it('zeroGrad sets to null by default, or to zero', () => {
    const a = p([1, 2]);
    const opt = new SGD([a]);
    a.setGrad([1, 1]);
    opt.zeroGrad({ setToNone: false });
    expect(Array.from((a.grad as Parameter).data)).toEqual([0, 0]);
    opt.zeroGrad();
    expect(a.grad).toBeNull();
  });

  it('runs global then instance pre-hooks, instance then global post-hooks; handles remove them', () => {
    const calls: string[] = [];
    const a = p([1]);
    const opt = new SGD([a]);
    handles.push(registerOptimizerStepPreHook(() => void calls.push('global-pre')));
    handles.push(registerOptimizerStepPostHook(() => void calls.push('global-post')));
    const h1 = opt.registerStepPreHook(() => void calls.push('pre'));
    opt.registerStepPostHook(() => void calls.push('post'));
    opt.step();
    expect(calls).toEqual(['global-pre', 'pre', 'post', 'global-post']);
    h1.remove();
    h1.remove();
    calls.length = 0;
    opt.step();
    expect(calls).toEqual(['global-pre', 'post', 'global-post']);
  });

  it('a pre-hook may replace the closure', () => {
    const opt = new SGD([p([1])]);
    opt.registerStepPreHook(() => ({ closure: () => 42 }));
    expect(opt.step(() => 1)).toBe(42);
  });

  it('state dict hooks see and may replace the dict; load hooks run around loading', () => {
    const a = p([1]);
    const opt = new Adam([a], { lr: 0.1 });
    const seen: string[] = [];
    opt.registerStateDictPreHook(() => void seen.push('sd-pre'));
    opt.registerStateDictPostHook((_o, sd) => ({ ...sd, param_groups: sd.param_groups.map((g) => ({ ...g, lr: 0.25 })) }));
    opt.registerLoadStateDictPreHook((_o, sd) => {
      seen.push('load-pre');
      return { ...sd, param_groups: sd.param_groups.map((g) => ({ ...g, lr: 0.5 })) };
    });
    opt.registerLoadStateDictPostHook(() => void seen.push('load-post'));
    const sd = opt.stateDict();
    expect(sd.param_groups[0]!.lr).toBe(0.25);
    opt.loadStateDict(sd);
    expect(opt.paramGroups[0]!.lr).toBe(0.5);
    expect(seen).toEqual(['sd-pre', 'load-pre', 'load-post']);
  });

  it('a step rejected for a sparse gradient changes nothing', () => {
    const a = p([1, 2]);
    const b = new Parameter(tensor([[1, 2]]));
    const opt = new Adam([{ params: [a] }, { params: [b] }], { lr: 0.1 });
    a.setGrad([1, 1]);
    b.grad = new SparseTensor([1, 2], Int32Array.of(0), tensor([[1, 1]]));
    expect(() => opt.step()).toThrow('Adam does not support sparse gradients');
    expect(Array.from(a.data)).toEqual([1, 2]);
    expect(opt.state.size).toBe(0);
  });
});

describe('state dicts', () => {
  it('copies tensors both ways and survives a JSON round trip', () => {
    const a = p([1, 2, 3]);
    const opt: Optimizer = new Adam([a], { lr: 0.1, amsgrad: true });
    a.setGrad([0.1, -0.2, 0.3]);
    opt.step();
    const sd = opt.stateDict();
    const st = sd.state['0'] as Record<string, Parameter>;
    st.exp_avg!.data[0] = 99; // mutating the dict must not touch the optimizer
    const json = JSON.parse(JSON.stringify(opt.stateDict()));
    expect(Object.keys(json.state['0']).sort()).toEqual(['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq', 'step']);
    expect(json.state['0'].step).toBe(1);
    const b = p([1, 2, 3]);
    const opt2 = new Adam([b], { lr: 0.5 });
    opt2.loadStateDict(json);
    expect(opt2.paramGroups[0]!.lr).toBe(0.1);
    expect(opt2.paramGroups[0]!.amsgrad).toBe(true);
    const loaded = opt2.state.get(b)!.exp_avg as Parameter;
    expect(loaded.data[0]).toBeCloseTo(0.01, 7);
    json.state['0'].exp_avg[0] = 5;
    expect(loaded.data[0]).toBeCloseTo(0.01, 7);
  });

  it('rejects state for an unknown parameter without changing anything', () => {
    const a = p([1]);
    const opt = new Adam([a]);
    const sd = opt.stateDict();
    sd.state['3'] = { step: 1 };
    expect(() => opt.loadStateDict(sd)).toThrow('loaded state dict has state for parameter 3');
    expect(opt.state.size).toBe(0);
  });

  it('rejects invalid saved hyper-parameters without changing anything', () => {
    const a = p([1]);
    const opt = new Adam([a], { lr: 0.1 });
    const sd = opt.stateDict();
    sd.param_groups[0]!.lr = -1;
    expect(() => opt.loadStateDict(sd)).toThrow('Invalid learning rate: -1');
    expect(opt.paramGroups[0]!.lr).toBe(0.1);
  });
});

describe('warnings', () => {
  it('warns once per construction on duplicate parameters, as torch', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const a = p([1]);
    new SGD([a, a]);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('duplicate parameters'));
    warn.mockRestore();
  });
});

describe('schedule-valued options across checkpoints', () => {
  it('saves the schedule step and resumes the schedule where it was', () => {
    const lrs = [1, 0.5, 0.25, 0.125];
    const a = p([0]);
    const opt = new SGD([{ params: [a], lr: lrs as never }]);
    for (let i = 0; i < 2; i++) {
      a.setGrad([1]);
      opt.step();
    }
    expect(a.data[0]).toBeCloseTo(-1.5, 6); // 0 − 1 − 0.5
    const sd = JSON.parse(JSON.stringify(opt.stateDict()));
    expect(sd.schedule_step).toBe(2);
    const b = p([a.data[0]!]);
    const opt2 = new SGD([{ params: [b], lr: lrs as never }]);
    opt2.loadStateDict({ ...sd, param_groups: sd.param_groups.map((g: object) => ({ ...g, lr: lrs })) });
    b.setGrad([1]);
    opt2.step();
    expect(b.data[0]).toBeCloseTo(-1.75, 6); // the third value, 0.25
  });

  it('writes no schedule_step when no option is a schedule', () => {
    const opt = new SGD([p([0])], { lr: 0.1 });
    expect('schedule_step' in opt.stateDict()).toBe(false);
  });
});

describe('schedule-valued options are typed', () => {
  it('accepts functions, arrays and iterators without casts', () => {
    function* momenta(): Generator<number> {
      yield 0.5;
      yield 0.9;
    }
    const opt = new SGD([p([0])], { lr: (step) => 0.1 / (step + 1), momentum: momenta() });
    const adam = new Adam([p([0])], {
      lr: [0.1, 0.05],
      betas: [
        [0.9, 0.99],
        [0.8, 0.9],
      ],
    });
    expect(opt.paramGroups).toHaveLength(1);
    expect(adam.paramGroups).toHaveLength(1);
  });
});
