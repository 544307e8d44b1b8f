import { Parameter, type Tensor, defineKernel, k, tensor } from '@tsoptim/core';
import { describe, expect, it } from 'vitest';
import { LION_DEFAULTS, Lion, defineAlgorithm, defineOptions, float, functionalForm, lion } from './index.js';

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
