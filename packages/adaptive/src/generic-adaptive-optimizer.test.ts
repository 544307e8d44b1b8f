import { CpuBackend, Parameter, RuntimeError, SparseTensor, type Tensor, ValueError, tensor, zeros } from '@tsoptim/core';
import type { ParamGroup, ParamState } from '@tsoptim/optim';
import { describe, expect, it } from 'vitest';
import { AdaBelief } from './ada-belief.js';
import { LabmlAdam } from './adam.js';
import { adaptiveUpdate } from './adaptive-update.js';
import { AMSGrad } from './amsgrad.js';
import { NO_DECAY } from './decay-fragment.js';
import { type AdaptiveGroupOptions, GenericAdaptiveOptimizer } from './generic-adaptive-optimizer.js';
import { Noam } from './noam.js';
import { LabmlRAdam } from './radam.js';
import { WeightDecay } from './weight-decay.js';

const backend = new CpuBackend({ simd: false });
const param = (v: number[]) => new Parameter(tensor(v, { backend }));

/** A minimal subclass that records what the template step hands it: θ ← θ − lr·g. */
class Recorder extends GenericAdaptiveOptimizer {
  calls: string[] = [];
  protected initState(state: ParamState, _group: ParamGroup<AdaptiveGroupOptions>, p: Parameter): void {
    this.calls.push(`init ${p.name}`);
    state.step = 0;
  }
  protected stepParam(state: ParamState, group: ParamGroup<AdaptiveGroupOptions>, grad: Tensor, p: Parameter): void {
    state.step = (state.step as number) + 1;
    this.calls.push(`step ${p.name} lr=${group.lr}`);
    p.assign(Array.from(p.data, (x, i) => x - group.lr * grad.data[i]!));
  }
}

const named = (name: string, v: number[]) => {
  const p = param(v);
  p.name = name;
  return p;
};
const recorder = (params: Parameter[], o: Partial<AdaptiveGroupOptions> = {}) =>
  new Recorder(params, { lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, ...o } as AdaptiveGroupOptions);

describe('GenericAdaptiveOptimizer: validation', () => {
  const cases: [Partial<AdaptiveGroupOptions>, string][] = [
    [{ lr: -1 }, 'Invalid learning rate: -1.0'],
    [{ eps: -1e-8 }, 'Invalid epsilon value: -1e-08'],
    [{ betas: [1, 0.999] }, 'Invalid beta parameter at index 0: 1.0'],
    [{ betas: [-0.1, 0.999] }, 'Invalid beta parameter at index 0: -0.1'],
    [{ betas: [0.9, 1.5] }, 'Invalid beta parameter at index 1: 1.5'],
    [{ betas: [0.9, 0.99, 0.9] as never }, 'Recorder: option `betas` must be an array of 2 numbers, got [0.9, 0.99, 0.9]'],
    [{ lr: Number.NaN }, 'Invalid learning rate: nan'],
  ];
  for (const [o, message] of cases) {
    it(`defaults ${JSON.stringify(o)}: ${message}`, () => {
      expect(() => recorder([param([1])], o)).toThrow(message);
    });
  }

  it('checks every group at construction and in addParamGroup, which adds nothing on failure', () => {
    expect(() => recorder([{ params: [param([1])] }, { params: [param([1])], lr: -2 }] as never)).toThrow('Invalid learning rate: -2');
    const opt = recorder([param([1])]);
    expect(() => opt.addParamGroup({ params: [param([1])], betas: [0.9, 1] })).toThrow('Invalid beta parameter at index 1: 1');
    expect(() => opt.addParamGroup({ params: [param([1])], eps: -1 })).toThrow('Invalid epsilon value: -1');
    expect(opt.paramGroups.length).toBe(1);
  });

  it('every class of the package validates its groups', () => {
    for (const make of [
      (g: never) => new LabmlAdam(g),
      (g: never) => new AMSGrad(g),
      (g: never) => new LabmlRAdam(g),
      (g: never) => new AdaBelief(g),
    ]) {
      expect(() => make([{ params: [param([1])], lr: -1 }] as never)).toThrow('Invalid learning rate: -1');
    }
    expect(() => new Noam([{ params: [param([1])], warmup: -4 }])).toThrow('Invalid warmup value: -4');
  });

  it('checks a schedule-valued option when it produces a value', () => {
    const p = param([1]);
    p.setGrad([1]);
    const opt = new LabmlAdam([p], { lr: ((t: number) => (t === 0 ? 0.1 : -0.1)) as never });
    opt.step();
    expect(() => opt.step()).toThrow('Invalid learning rate: -0.1');
  });
});

describe('GenericAdaptiveOptimizer: the template step', () => {
  it('runs the closure, skips parameters without gradients, inits state lazily, delegates', () => {
    const a = named('a', [1, 2]);
    const b = named('b', [3]);
    const c = named('c', [4]);
    const opt = recorder([{ params: [a, b] }, { params: [c], lr: 0.5 }] as never);
    let evaluated = 0;
    a.setGrad([1, 1]);
    c.setGrad([2]);
    const loss = opt.step(() => {
      evaluated++;
      return 7;
    });
    expect(loss).toBe(7);
    expect(evaluated).toBe(1);
    expect(opt.calls).toEqual(['init a', 'step a lr=0.1', 'init c', 'step c lr=0.5']);
    expect(opt.state.has(b)).toBe(false);
    expect(Array.from(a.data)).toEqual([0.8999999761581421, 1.899999976158142]);
    expect(Array.from(c.data)).toEqual([3]);
    opt.calls = [];
    b.setGrad([1]);
    opt.step();
    expect(opt.calls).toEqual(['step a lr=0.1', 'init b', 'step b lr=0.1', 'step c lr=0.5']);
  });

  it('passes the group options resolved for the step (schedules)', () => {
    const a = named('a', [1]);
    a.setGrad([1]);
    const opt = recorder([{ params: [a], lr: [0.1, 0.2, 0.3] }] as never);
    opt.step();
    opt.step();
    opt.step();
    opt.step();
    expect(opt.calls.filter((s) => s.startsWith('step'))).toEqual(['step a lr=0.1', 'step a lr=0.2', 'step a lr=0.3', 'step a lr=0.3']);
  });

  it('rejects a sparse gradient with a clear message before changing anything', () => {
    const dense = param([1, 2]);
    const emb = new Parameter(zeros([3, 2], { backend }));
    dense.setGrad([1, 1]);
    emb.grad = new SparseTensor([3, 2], new Int32Array([1]), tensor([[1, 1]], { backend }));
    const opt = new LabmlAdam([{ params: [dense] }, { params: [emb] }], { lr: 0.1 });
    expect(() => opt.step()).toThrow(new RuntimeError('Adam does not support sparse gradients, please consider SparseAdam instead'));
    expect(Array.from(dense.data)).toEqual([1, 2]);
    expect(opt.state.size).toBe(0);
    expect(() => new AdaBelief([emb]).step()).toThrow('AdaBelief does not support sparse gradients');
  });
});

describe('state and state dicts through the base Optimizer', () => {
  const stepped = <T extends { step(): unknown }>(opt: T, ...ps: Parameter[]) => {
    for (const p of ps) p.setGrad([0.5, -1]);
    opt.step();
    return opt;
  };

  it("uses labml's state keys and group options", () => {
    const p = param([1, 2]);
    const adam = stepped(new LabmlAdam([p]), p).stateDict();
    expect(Object.keys(adam.state[0]!).sort()).toEqual(['exp_avg', 'exp_avg_sq', 'step']);
    expect(Object.keys(adam.param_groups[0]!).sort()).toEqual(['betas', 'eps', 'lr', 'params', 'weight_decay']);
    const q = param([1, 2]);
    const ams = stepped(new AMSGrad([q]), q).stateDict();
    expect(Object.keys(ams.state[0]!).sort()).toEqual(['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq', 'step']);
    const r = param([1, 2]);
    const belief = stepped(new AdaBelief([r], { amsgrad: true }), r).stateDict();
    expect(Object.keys(belief.state[0]!).sort()).toEqual(['exp_avg', 'exp_avg_var', 'max_exp_avg_var', 'step']);
    expect(belief.param_groups[0]).toMatchObject({ amsgrad: true, eps: 1e-16, weight_decay: 0, lr: 1e-3 });
  });

  it('a group switched to amsgrad after its first step starts its maximum then', () => {
    const p = param([1, 2]);
    const opt = new AMSGrad([p], { amsgrad: false });
    stepped(opt, p);
    expect(opt.state.get(p)!.max_exp_avg_sq).toBeUndefined();
    opt.paramGroups[0]!.amsgrad = true;
    stepped(opt, p);
    const s = opt.state.get(p)!;
    // max(0, v₂) = v₂
    expect(Array.from((s.max_exp_avg_sq as Tensor).data)).toEqual(Array.from((s.exp_avg_sq as Tensor).data));
  });

  it('loads a state dict with a wrongly shaped exp_avg_var and stays unchanged', () => {
    const p = param([1, 2]);
    const opt = stepped(new AdaBelief([p]), p);
    const sd = JSON.parse(JSON.stringify(opt.stateDict()));
    const before = JSON.stringify(sd);
    sd.state[0].exp_avg_var = [1, 2, 3];
    expect(() => opt.loadStateDict(sd)).toThrow(/loaded state dict has a tensor 'exp_avg_var' of parameter 0 of shape \[3\]/);
    expect(JSON.stringify(opt.stateDict())).toBe(before);
  });
});

describe('adaptiveUpdate (the functional form)', () => {
  it('needs the maximum tensor with amsgrad', () => {
    const t = tensor([1], { backend });
    const o = {
      lr: 0.1,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      step: 1,
      second: 'sq',
      amsgrad: true,
      update: 'adaptive',
      optimizedUpdate: true,
      decay: { fragment: NO_DECAY, scalars: {} },
    } as const;
    expect(() => adaptiveUpdate({ param: t, grad: t, expAvg: t, second: t }, o)).toThrow(ValueError);
  });

  it('hand-worked: RAdam-style SGD step θ − lr/(1−β₁)·m on the first step', () => {
    const p = tensor([1], { backend });
    const m = zeros([1], { backend });
    const v = zeros([1], { backend });
    adaptiveUpdate(
      { param: p, grad: tensor([2], { backend }), expAvg: m, second: v },
      {
        lr: 0.1,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        step: 1,
        second: 'sq',
        amsgrad: false,
        update: 'sgd',
        optimizedUpdate: true,
        decay: { fragment: NO_DECAY, scalars: {} },
      },
    );
    // m = 0.1·2 = 0.2; θ = 1 − 0.1/0.1·0.2 = 0.8; v = 0.001·4 = 0.004
    expect(p.data[0]).toBeCloseTo(0.8, 6);
    expect(m.data[0]).toBeCloseTo(0.2, 7);
    expect(v.data[0]).toBeCloseTo(0.004, 9);
  });
});

describe('group weightDecay', () => {
  it('is a coefficient: a strategy in a group is rejected', () => {
    expect(() => new LabmlAdam([{ params: [param([1])], weightDecay: new WeightDecay() }])).toThrow(
      "a group's weightDecay is a coefficient; the weight-decay strategy is an optimizer option",
    );
  });
});
