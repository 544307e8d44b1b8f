import { CpuBackend, type Expr, Parameter, TypeError_, ValueError, defineKernel, k, tensor } from '@tsoptim/core';
import { describe, expect, it } from 'vitest';
import { LabmlAdam } from './adam.js';
import { AdaBelief } from './ada-belief.js';
import { AdamWarmup } from './adam-warmup.js';
import { type DecayFragment, type WeightDecayStrategy, decayKernelFamily } from './decay-fragment.js';
import { L1WeightDecay } from './l1-weight-decay.js';
import { LabmlRAdam } from './radam.js';
import { WeightDecay } from './weight-decay.js';

const backend = new CpuBackend({ simd: false });

/** Applies a strategy's fragment alone: writes the decayed parameter and gradient. */
const applyDecay = decayKernelFamily((decay: DecayFragment, _f: Record<string, never>) =>
  defineKernel({
    name: `apply_${decay.name}`,
    inputs: ['param', 'grad'],
    scalars: [...decay.scalars],
    outputs: ['param', 'grad'],
    body: ({ param, grad }, s) => decay.apply({ param, grad }, s as Record<string, Expr>),
  }),
);

function decayed(strategy: WeightDecayStrategy, group: Record<string, unknown>, theta: number[], g: number[]) {
  const param = tensor(theta, { backend });
  const grad = tensor(g, { backend });
  const { fragment, scalars } = strategy.resolve({ ...strategy.defaults(), ...group });
  backend.run(applyDecay(fragment, {}), { tensors: { param, grad }, scalars });
  return { param: Array.from(param.data), grad: Array.from(grad.data) };
}

describe('WeightDecay (hand-worked, lr 0.1, λ 0.5)', () => {
  it('decoupled: θ ← θ(1 − lr·λ), gradient unchanged', () => {
    const r = decayed(new WeightDecay({ weightDecay: 0.5 }), { lr: 0.1 }, [2, -4], [0.5, 1]);
    expect(r.param).toEqual([1.899999976158142, -3.799999952316284]); // 2·0.95, −4·0.95 in float32
    expect(r.grad).toEqual([0.5, 1]);
  });

  it('decoupled absolute: θ ← θ(1 − λ), whatever lr', () => {
    const r = decayed(new WeightDecay({ weightDecay: 0.5, absolute: true }), { lr: 0.1 }, [2, -4], [0.5, 1]);
    expect(r.param).toEqual([1, -2]);
  });

  it('coupled: g ← g + λθ, parameter unchanged', () => {
    const r = decayed(new WeightDecay({ weightDecay: 0.5, weightDecouple: false }), { lr: 0.1 }, [2, -4], [0.5, 1]);
    expect(r.param).toEqual([2, -4]);
    expect(r.grad).toEqual([1.5, -1]);
  });

  it('λ = 0 uses no fragment scalars at all', () => {
    expect(new WeightDecay().resolve({ weightDecay: 0, lr: 1 }).scalars).toEqual({});
  });

  it('defaults() gives the group default; a group may override it', () => {
    const p = new Parameter(tensor([1], { backend }));
    const q = new Parameter(tensor([1], { backend }));
    const opt = new LabmlAdam([{ params: [p] }, { params: [q], weightDecay: 0.3 }], { weightDecay: new WeightDecay({ weightDecay: 0.1 }) });
    expect(opt.defaults.weightDecay).toBe(0.1);
    expect(opt.paramGroups.map((g) => g.weightDecay)).toEqual([0.1, 0.3]);
    expect(opt.stateDict().param_groups[1]!.weight_decay).toBe(0.3);
  });
});

describe('L1WeightDecay (hand-worked, lr 0.1, λ 0.5)', () => {
  it('decoupled: soft threshold by lr·λ = 0.05; small weights become exactly 0', () => {
    const r = decayed(new L1WeightDecay({ weightDecay: 0.5 }), { lr: 0.1 }, [2, -2, 0.03, -0.04, 0], [1, 1, 1, 1, 1]);
    expect(r.param).toEqual([1.9500000476837158, -1.9500000476837158, 0, -0, 0]);
    expect(r.grad).toEqual([1, 1, 1, 1, 1]);
  });

  it('decoupled absolute: threshold λ', () => {
    const r = decayed(new L1WeightDecay({ weightDecay: 0.5, absolute: true }), { lr: 0.1 }, [2, 0.3], [0, 0]);
    expect(r.param).toEqual([1.5, 0]);
  });

  it('coupled: g ← g + λ·sign(θ), with sign(0) = 0', () => {
    const r = decayed(new L1WeightDecay({ weightDecay: 0.5, weightDecouple: false }), { lr: 0.1 }, [2, -3, 0], [0.25, 0.25, 0.25]);
    expect(r.grad).toEqual([0.75, -0.25, 0.25]);
  });
});

/**
 * One Adam step from m = v = 0 moves each element by lr·sign(g') (ε = 1e-16 is negligible): with
 * bc₁ = 1 − β₁, bc₂ = 1 − β₂, m = (1−β₁)g', v = (1−β₂)g'², the step is lr·√bc₂/bc₁ · m/√v = lr·sign(g').
 * So the decay's effect on the first step is exact to work out by hand (θ = 2, g = −0.5, lr = 0.1, λ = 0.5).
 */
describe('the strategy is swappable: first Adam step, hand-worked', () => {
  const first = (weightDecay: WeightDecayStrategy | number | undefined) => {
    const p = new Parameter(tensor([2], { backend }));
    p.grad = tensor([-0.5], { backend });
    new LabmlAdam([p], { lr: 0.1, weightDecay }).step();
    return p.data[0]!;
  };

  it('no decay: θ = 2 + 0.1', () => expect(first(undefined)).toBeCloseTo(2.1, 6));
  it('a number means labml default WeightDecay (decoupled): 2·0.95 + 0.1', () => expect(first(0.5)).toBeCloseTo(2.0, 6));
  it('L2 coupled flips the gradient sign: g = −0.5 + 1 → θ = 2 − 0.1', () =>
    expect(first(new WeightDecay({ weightDecay: 0.5, weightDecouple: false }))).toBeCloseTo(1.9, 6));
  it('absolute decoupled: 2·0.5 + 0.1', () => expect(first(new WeightDecay({ weightDecay: 0.5, absolute: true }))).toBeCloseTo(1.1, 6));
  it('L1 decoupled: 2 − 0.05 + 0.1', () => expect(first(new L1WeightDecay({ weightDecay: 0.5 }))).toBeCloseTo(2.05, 6));
  it('L1 coupled: g = −0.5 + 1·sign(2) → θ = 2 − 0.1', () =>
    expect(first(new L1WeightDecay({ weightDecay: 1, weightDecouple: false }))).toBeCloseTo(1.9, 6));

  it('a strategy written outside the package plugs into every optimizer (θ ← θ − c, c = λ)', () => {
    const SHIFT: DecayFragment = {
      name: 'shift',
      scalars: ['shiftBy'],
      apply: ({ param, grad }, s) => ({ param: k.sub(param, s.shiftBy!), grad }),
    };
    const shift: WeightDecayStrategy = {
      defaults: () => ({ weightDecay: 0.25 }),
      resolve: (group) => ({ fragment: SHIFT, scalars: { shiftBy: group.weightDecay as number } }),
    };
    expect(first(shift)).toBeCloseTo(2 - 0.25 + 0.1, 6);
    // The same strategy in RAdam's first step (ρ₁ < 5: SGD step θ − lr/bc₁·m = θ − 0.1·(−0.5)) and AdaBelief's.
    const p = new Parameter(tensor([2], { backend }));
    p.grad = tensor([-0.5], { backend });
    new LabmlRAdam([p], { lr: 0.1, weightDecay: shift }).step();
    expect(p.data[0]).toBeCloseTo(2 - 0.25 + 0.05, 6);
    const q = new Parameter(tensor([2], { backend }));
    q.grad = tensor([-0.5], { backend });
    new AdaBelief([q], { lr: 0.1, weightDecay: shift }).step();
    expect(q.data[0]).toBeCloseTo(2 - 0.25 + 0.05, 6);
  });

  it('decoupled decay is scaled by the group lr, not by a warm-up lr (as labml)', () => {
    const p = new Parameter(tensor([2], { backend }));
    p.grad = tensor([0], { backend }); // no gradient step: m = 0
    new AdamWarmup([p], { lr: 0.1, warmup: 100, weightDecay: 0.5 }).step();
    expect(p.data[0]).toBeCloseTo(2 * 0.95, 6);
  });
});

describe('validation', () => {
  it('rejects a negative coefficient with labml/torch wording', () => {
    expect(() => new WeightDecay({ weightDecay: -1 })).toThrow(new ValueError('Invalid weight_decay value: -1'));
    expect(() => new L1WeightDecay({ weightDecay: -0.5 })).toThrow('Invalid weight_decay value: -0.5');
    expect(() => new LabmlAdam([new Parameter(tensor([1]))], { weightDecay: -2 })).toThrow('Invalid weight_decay value: -2');
  });

  it('rejects a negative group override, at construction and in addParamGroup (nothing added)', () => {
    const p = new Parameter(tensor([1]));
    const q = new Parameter(tensor([1]));
    expect(() => new LabmlAdam([{ params: [p], weightDecay: -0.1 }])).toThrow('Invalid weight_decay value: -0.1');
    const opt = new LabmlAdam([p]);
    expect(() => opt.addParamGroup({ params: [q], weightDecay: -3 })).toThrow('Invalid weight_decay value: -3');
    expect(opt.paramGroups.length).toBe(1);
  });

  it('rejects something that is not a strategy', () => {
    const p = new Parameter(tensor([1]));
    expect(() => new LabmlAdam([p], { weightDecay: {} as never })).toThrow(TypeError_);
    expect(() => new LabmlAdam([p], { weightDecay: 'l2' as never })).toThrow(
      'weightDecay must be a number or a weight-decay strategy (WeightDecay, L1WeightDecay...)',
    );
  });
});
