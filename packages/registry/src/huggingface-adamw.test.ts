import { type Tensor, ValueError, parameter, tensor } from '@tsoptim/core';
import { firstMismatch, loadFixture } from '@tsoptim/testkit';
import { describe, expect, it } from 'vitest';
import { HuggingfaceAdamW, type HuggingfaceAdamWOptions } from './index.js';

interface HfFixture {
  source: string;
  shapes: number[][];
  params: number[][];
  grads: number[][][];
  cases: {
    name: string;
    options?: Record<string, unknown>;
    groups?: Record<string, unknown>[];
    steps: { params: number[][]; exp_avg?: number[][] }[];
  }[];
}
const fx = loadFixture<HfFixture>('registry', 'huggingface_adamw');

function close(what: string, got: ArrayLike<number>, expected: readonly number[]): void {
  const bad = firstMismatch(got, expected, 1e-7, 1e-5);
  if (bad) expect.fail(`${what}: element ${bad.index}: got ${bad.actual}, expected ${bad.expected}`);
}

function camel(o: Record<string, unknown>): HuggingfaceAdamWOptions {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), v]));
}

describe(`HuggingfaceAdamW against ${fx.source}`, () => {
  for (const c of fx.cases) {
    it(c.name, () => {
      const ps = fx.params.map((p, i) => parameter(p, { shape: fx.shapes[i]! }));
      const opt =
        c.groups === undefined
          ? new HuggingfaceAdamW(ps, camel(c.options ?? {}))
          : new HuggingfaceAdamW(c.groups.map((g, i) => ({ ...camel(g), params: [ps[i]!] })));
      c.steps.forEach((step, t) => {
        ps.forEach((p, i) => p.setGrad(fx.grads[t]![i]!));
        opt.step();
        ps.forEach((p, i) => close(`${c.name} step ${t} param ${i}`, p.data, step.params[i]!));
        if (step.exp_avg)
          ps.forEach((p, i) => close(`${c.name} step ${t} exp_avg ${i}`, (opt.state.get(p)!.exp_avg as Tensor).data, step.exp_avg![i]!));
      });
    });
  }

  it("validates with transformers' messages", () => {
    const p = [parameter([1])];
    expect(() => new HuggingfaceAdamW(p, { lr: -1 })).toThrow(new ValueError('Invalid learning rate: -1 - should be >= 0.0'));
    expect(() => new HuggingfaceAdamW(p, { betas: [1, 0.9] })).toThrow(
      new ValueError('Invalid beta parameter: 1 - should be in [0.0, 1.0)'),
    );
    expect(() => new HuggingfaceAdamW(p, { betas: [0.9, -0.1] })).toThrow('Invalid beta parameter: -0.1 - should be in [0.0, 1.0)');
    expect(() => new HuggingfaceAdamW(p, { eps: -1 })).toThrow('Invalid epsilon value: -1 - should be >= 0.0');
    expect(new HuggingfaceAdamW(p).defaults).toEqual({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-6, weightDecay: 0, correctBias: true });
  });

  it("keeps torch's state-dict layout and round-trips it", () => {
    const a = parameter([1, 2]);
    const opt = new HuggingfaceAdamW([a], { lr: 0.1 });
    a.setGrad([0.5, -0.5]);
    opt.step();
    const sd = JSON.parse(JSON.stringify(opt.stateDict()));
    expect(Object.keys(sd.state[0]).sort()).toEqual(['exp_avg', 'exp_avg_sq', 'step']);
    expect(sd.param_groups[0].correct_bias).toBe(true);
    const b = parameter([1, 2]);
    const again = new HuggingfaceAdamW([b], { lr: 0.1 });
    again.loadStateDict(sd);
    expect(again.state.get(b)!.step).toBe(1);
    expect(Array.from((again.state.get(b)!.exp_avg as Tensor).data)).toEqual(Array.from(tensor([0.05, -0.05]).data));
  });
});
