import { Parameter, type Tensor, defineKernel, k, tensor } from '@tsoptim/core';
import { describe, expect, it } from 'vitest';
import {
  ASGD,
  Adafactor,
  Adagrad,
  DeclaredOptimizer,
  LION_DEFAULTS,
  Lion,
  NAdam,
  Prodigy,
  RMSprop,
  Rprop,
  SGD,
  ScheduleFreeAdamW,
  defineAlgorithm,
  defineOptions,
  float,
  functionalForm,
  lion,
  nadam,
  sgd,
} from './index.js';

/** θ ← θ − γ·(g + m), m ← g: a toy with a counted step, written as an `update`. */
const toyKernel = defineKernel({
  name: 'toy',
  inputs: ['param', 'grad', 'last'],
  scalars: ['lr'],
  outputs: ['param', 'last'],
  body: ({ param, grad, last }, s) => ({ param: k.sub(param, k.mul(s.lr, k.add(grad, last))), last: grad }),
});

const TOY_OPTIONS = defineOptions<{ lr: number }>('Toy', { lr: float(0.5) });
const ToyAlgorithm = defineAlgorithm({
  name: 'Toy',
  options: TOY_OPTIONS,
  state: { step: true, tensors: ['last_grad'] as const },
  stepOptions: (g) => ({ lr: g.lr }),
  update: (param: Tensor, grad: Tensor, state: Readonly<Record<string, Tensor>>, t: number, o: { lr: number }) => {
    param.backend.run(toyKernel, { tensors: { param, grad, last: state.lastGrad! }, scalars: { lr: o.lr / t } });
  },
});
class Toy extends ToyAlgorithm {}

describe('defineAlgorithm', () => {
  it('gives the class, the state keys and the StateSpec from one declaration', () => {
    expect(Toy.stateKeys).toEqual(['last_grad']);
    expect(Toy.stateSpec).toEqual({ scalars: { step: 'count' }, required: ['step', 'last_grad'] });
    expect(Lion.stateSpec).toEqual({ scalars: {}, required: ['exp_avg'] });
    const p = new Parameter(tensor([1, 2]));
    const opt = new Toy([p]);
    p.setGrad(new Float32Array([1, 1]));
    opt.step();
    p.setGrad(new Float32Array([2, 2]));
    opt.step();
    // step 1: θ − 0.5·(1 + 0); step 2: θ − 0.25·(2 + 1)
    expect([...p.data]).toEqual([1 - 0.5 - 0.75, 2 - 0.5 - 0.75]);
    expect(opt.stateDict().state['0']).toMatchObject({ step: 2 });
    expect(() => new Toy([p], { lrr: 1 } as never)).toThrow('Toy got an unknown option `lrr`; did you mean `lr`?');
  });

  it('gives the functional form and the conformance row', () => {
    expect(functionalForm(Lion)).toBe(lion);
    const row = Lion.row({ fixtures: ['x'], errors: 'lion_errors' });
    expect(row).toMatchObject({ name: 'Lion', fixtures: ['x'], errors: 'lion_errors' });
    const opt = row.make([new Parameter(tensor([1]))], {});
    expect(opt).toBeInstanceOf(Lion);
    expect(opt.defaults).toEqual(LION_DEFAULTS);
    // A subclass's row builds the subclass (and names it).
    class Toy2 extends Toy {}
    expect(Toy2.row({}).make([new Parameter(tensor([1]))], {})).toBeInstanceOf(Toy2);
    expect(Toy2.row({}).name).toBe('Toy2');
  });

  it('runs the functional form on raw tensors, lists in the declared order', () => {
    const p = tensor([1, -1]);
    const m = tensor([0, 0]);
    lion([p], [tensor([0.5, -0.5])], [m], { lr: 0.1, beta1: 0.9, beta2: 0.99, weightDecay: 0, maximize: false });
    expect([...p.data].map((x) => Math.round(x * 1e6) / 1e6)).toEqual([0.9, -0.9]);
    expect([...m.data].map((x) => Math.round(x * 1e6) / 1e6)).toEqual([0.005, -0.005]);
  });
});

describe('defineAlgorithm: state beyond zero tensors of the parameter shape', () => {
  it('derives the StateSpec each algorithm declared by hand before', () => {
    expect(NAdam.stateSpec).toEqual({
      scalars: { step: 'count', mu_product: 'non-negative' },
      required: ['step', 'mu_product', 'exp_avg', 'exp_avg_sq'],
    });
    expect(ASGD.stateSpec).toEqual({
      scalars: { step: 'count', eta: 'non-negative', mu: 'non-negative' },
      required: ['step', 'eta', 'mu', 'ax'],
    });
    expect(RMSprop.stateSpec).toEqual({
      scalars: { step: 'count' },
      required: ['step', 'square_avg'],
      notNull: ['grad_avg', 'momentum_buffer'],
    });
    // SGD's buffer is created by its update and may be None in torch's dicts: nothing is required.
    expect(SGD.stateSpec).toEqual({ scalars: {}, required: [] });
    expect(ScheduleFreeAdamW.stateSpec).toEqual({ scalars: {}, required: ['z', 'exp_avg_sq'] });
    expect(Adafactor.stateSpec.required).toEqual(['step']);
    expect(Adafactor.stateSpec.requiredFor?.([3, 4])).toEqual(['row_var', 'col_var']);
    expect(Adafactor.stateSpec.requiredFor?.([5])).toEqual(['variance']);
    expect(Prodigy.stateSpec.requiredByGroups?.([{ betas: [0.9, 0.999] }], 0)).toEqual(['exp_avg']);
    expect(Prodigy.stateSpec.requiredByGroups?.([{ betas: [0, 0.999] }], 0)).toEqual([]);
  });

  it('starts tensors and host numbers as declared, in torch key order', () => {
    const p = new Parameter(tensor([1, -2]));
    const asgd = new ASGD([p], { lr: 0.01 });
    const rprop = new Rprop([p], { lr: 0.3 });
    const adagrad = new Adagrad([p], { initialAccumulatorValue: 0.25 });
    // Adagrad's state exists from construction, as torch's.
    expect(Object.keys(adagrad.stateDict().state['0']!)).toEqual(['step', 'sum']);
    p.setGrad(new Float32Array([0.5, 0.25]));
    asgd.step();
    rprop.step();
    expect(Object.keys(asgd.stateDict().state['0']!)).toEqual(['step', 'eta', 'mu', 'ax']);
    expect(Object.keys(rprop.stateDict().state['0']!)).toEqual(['step', 'prev', 'step_size']);
    // Rprop's step sizes start at lr (then grow by η+ = 1.2 where the sign held: here the first step has no sign).
    expect([...(rprop.state.get(p)!.step_size as Tensor).data].map((x) => Math.round(x * 1e6) / 1e6)).toEqual([0.3, 0.3]);
    const sf = new ScheduleFreeAdamW([new Parameter(tensor([3, 4]))]);
    sf.paramGroups[0]!.params[0]!.setGrad(new Float32Array([0, 0]));
    const before = [...sf.paramGroups[0]!.params[0]!.data];
    sf.step();
    // z starts as a copy of the parameter; a zero gradient leaves it there.
    expect([...(sf.state.get(sf.paramGroups[0]!.params[0]!)!.z as Tensor).data]).toEqual(before);
  });

  it("SGD's momentum buffer appears on its first step (torch: a copy of the gradient), never without momentum", () => {
    const p = new Parameter(tensor([1, -2]));
    const plain = new SGD([p], { lr: 0.1 });
    p.setGrad(new Float32Array([0.5, 0.25]));
    plain.step();
    expect(plain.stateDict().state).toEqual({});
    // torch 1.13: SGD(lr=0.1, momentum=0.9, dampening=0.5), p = [1, -2], g = [0.5, 0.25] twice.
    const q = new Parameter(tensor([1, -2]));
    const opt = new SGD([q], { lr: 0.1, momentum: 0.9, dampening: 0.5 });
    q.setGrad(new Float32Array([0.5, 0.25]));
    opt.step();
    expect([...(opt.state.get(q)!.momentum_buffer as Tensor).data]).toEqual([0.5, 0.25]);
    q.setGrad(new Float32Array([0.5, 0.25]));
    opt.step();
    expect([...(opt.state.get(q)!.momentum_buffer as Tensor).data]).toEqual([0.699999988079071, 0.3499999940395355]);
    expect([...q.data]).toEqual([0.8799999952316284, -2.06000018119812]);
  });

  it('the functional form puts created tensors and advanced host numbers back in its lists', () => {
    // torch 1.13: SGD(lr=0.1, momentum=0.9, dampening=0.5), first step. NAdam(lr=0.01), first step: the float64
    // reference of current PyTorch's NAdam (tooling/fixtures/gen_algorithms.py, NAdamRef; 1.13's differs).
    const buffers: (Tensor | null)[] = [null];
    const p = tensor([1, -2]);
    sgd([p], [tensor([0.5, 0.25])], buffers, { lr: 0.1, momentum: 0.9, dampening: 0.5, weightDecay: 0, nesterov: false, maximize: false });
    expect([...buffers[0]!.data]).toEqual([0.5, 0.25]);
    expect([...p.data]).toEqual([0.949999988079071, -2.0250000953674316]);
    const muProducts = [1];
    const q = tensor([1, -2]);
    nadam([q], [tensor([0.5, 0.25])], [tensor([0, 0])], [tensor([0, 0])], muProducts, [1], {
      lr: 0.01,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0,
      momentumDecay: 4e-3,
      decoupledWeightDecay: false,
      maximize: false,
    });
    expect(muProducts[0]).toBeCloseTo(0.45007347359129607, 15);
    [0.9894354824277365, -2.010564517360973].forEach((x, i) => expect(q.data[i]).toBeCloseTo(x, 6));
  });

  it('a class not made by defineAlgorithm is refused', () => {
    class Bare extends DeclaredOptimizer<{ lr: number }> {}
    expect(() => new Bare([new Parameter(tensor([1]))])).toThrow('Bare was not made by defineAlgorithm');
  });
});
