import { Parameter, tensor } from '@tsoptim/core';
import { type OptimFixture, firstMismatch, loadFixture } from '@tsoptim/testkit';
import { describe, expect, it } from 'vitest';
import { ScheduleFreeAdamW } from './schedule-free-adamw.js';

type SFFixture = OptimFixture & {
  eval_values: number[][];
  train_values: number[][];
  eval_state_dict: { param_groups: { train_mode: boolean }[] };
};

const TOL = { atol: 1e-6, rtol: 1e-5 };

function run(name: string): { fx: SFFixture; params: Parameter[]; opt: ScheduleFreeAdamW } {
  const fx = loadFixture<SFFixture>('optim', name);
  const params = fx.shapes.map((shape, i) => new Parameter(tensor(fx.init[i]!, { shape })));
  const groups = fx.groups ? fx.groups.map((g) => ({ params: g.params.map((i) => params[i]!), ...(g.options ?? {}) })) : params;
  const kw = fx.kwargs as Record<string, unknown>;
  const opt = new ScheduleFreeAdamW(groups, {
    lr: kw.lr as number,
    ...(kw.betas ? { betas: kw.betas as [number, number] } : {}),
    ...(kw.weight_decay !== undefined ? { weightDecay: kw.weight_decay as number } : {}),
    ...(kw.warmup_steps !== undefined ? { warmupSteps: kw.warmup_steps as number } : {}),
    ...(kw.r !== undefined ? { r: kw.r as number } : {}),
    ...(kw.weight_lr_power !== undefined ? { weightLrPower: kw.weight_lr_power as number } : {}),
  });
  for (let t = 0; t < fx.steps; t++) {
    params.forEach((p, i) => {
      p.grad = fx.no_grad.includes(i) ? null : tensor(fx.grad_sequence![t]![i]!, { shape: p.shape });
    });
    opt.step();
  }
  return { fx, params, opt };
}

function expectValues(params: Parameter[], expected: number[][], where: string): void {
  params.forEach((p, i) => {
    const bad = firstMismatch(p.data, expected[i]!, TOL.atol, TOL.rtol);
    if (bad) expect.fail(`${where}, parameter ${i}, element ${bad.index}: got ${bad.actual}, reference ${bad.expected}`);
  });
}

describe('ScheduleFreeAdamW eval() / train(): the parameters switch between y and the average x (reference values)', () => {
  for (const name of ['schedule_free_adamw_default', 'schedule_free_adamw_warmup_wd', 'schedule_free_adamw_groups']) {
    it(name, () => {
      const { fx, params, opt } = run(name);
      opt.eval();
      expectValues(params, fx.eval_values, `${name} after eval()`);
      expect(opt.stateDict().param_groups.map((g) => g.train_mode)).toEqual(fx.eval_state_dict.param_groups.map((g) => g.train_mode));
      opt.eval(); // a second eval() changes nothing
      expectValues(params, fx.eval_values, `${name} after a second eval()`);
      expect(() => opt.step()).toThrow('Not in train mode!');
      expectValues(params, fx.eval_values, `${name} after the rejected step`);
      opt.train();
      expectValues(params, fx.train_values, `${name} after train()`);
    });
  }
});
