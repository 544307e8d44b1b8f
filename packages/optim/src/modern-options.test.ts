import { Parameter, TsoptimError, TypeError_, ValueError, tensor } from '@tsoptim/core';
import { describe, expect, it } from 'vitest';
import { LAMB, Lion, type Optimizer, Prodigy, ScheduleFreeAdamW, type StateDict } from './index.js';

const p = () => new Parameter(tensor([0.5, -1, 2]));

function trained(make: (ps: Parameter[]) => Optimizer, steps = 2): { opt: Optimizer; ps: Parameter[] } {
  const ps = [
    p(),
    new Parameter(
      tensor([
        [1, -2],
        [0.25, 3],
      ]),
    ),
  ];
  const opt = make(ps);
  for (let s = 0; s < steps; s++) {
    for (const q of ps) q.setGrad(Float32Array.from(q.data, (x, i) => x * (s + 1) + 0.1 * i));
    opt.step();
  }
  return { opt, ps };
}

/** Loads `spoil(stateDict through JSON)` and expects a tsoptim error containing `message`, with nothing changed. */
function rejectsLoad(opt: Optimizer, ps: Parameter[], spoil: (sd: StateDict & Record<string, any>) => void, message: string): void {
  const before = JSON.stringify({ sd: opt.stateDict(), values: ps.map((q) => [...q.data]) });
  const sd = JSON.parse(JSON.stringify(opt.stateDict()));
  spoil(sd);
  let error: unknown;
  try {
    opt.loadStateDict(sd);
  } catch (e) {
    error = e;
  }
  expect(TsoptimError.isInstance(error), String(error)).toBe(true);
  expect((error as Error).message).toContain(message);
  expect(JSON.stringify({ sd: opt.stateDict(), values: ps.map((q) => [...q.data]) })).toBe(before);
}

describe('declared options of Lion, LAMB, Schedule-Free AdamW and Prodigy', () => {
  it('rejects unknown names with the likely intended one', () => {
    expect(() => new Lion([p()], { weight_decay: 1 } as never)).toThrow(
      'Lion got an unknown option `weight_decay`; did you mean `weightDecay`?',
    );
    expect(() => new LAMB([p()], { lrr: 0.1 } as never)).toThrow('LAMB got an unknown option `lrr`; did you mean `lr`?');
    expect(() => new ScheduleFreeAdamW([p()], { warmup_steps: 10 } as never)).toThrow(
      'ScheduleFreeAdamW got an unknown option `warmup_steps`; did you mean `warmupSteps`?',
    );
    expect(() => new Prodigy([p()], { d_coef: 2 } as never)).toThrow('Prodigy got an unknown option `d_coef`; did you mean `dCoef`?');
    expect(() => new Prodigy([{ params: [p()], safeguardWarmpu: true }] as never)).toThrow(
      'Prodigy got an unknown option `safeguardWarmpu` in parameter group 0; did you mean `safeguardWarmup`?',
    );
  });

  it('rejects values of the wrong kind', () => {
    expect(() => new Lion([p()], { betas: 0.9 } as never)).toThrow(TypeError_);
    expect(() => new Lion([p()], { betas: 0.9 } as never)).toThrow('Lion: option `betas` must be an array of 2 numbers');
    expect(() => new LAMB([p()], { eps: '1e-6' } as never)).toThrow('LAMB: option `eps` must be a number');
    expect(() => new ScheduleFreeAdamW([p()], { warmupSteps: 1.5 })).toThrow('ScheduleFreeAdamW: option `warmupSteps` must be an integer');
    expect(() => new Prodigy([p()], { decouple: 'yes' } as never)).toThrow('Prodigy: option `decouple` must be true or false');
    expect(() => new Prodigy([p()], { d0: null } as never)).toThrow('Prodigy: option `d0` must be a number');
  });

  it('rejects out-of-range values with the reference messages', () => {
    expect(() => new Lion([p()], { lr: -1 })).toThrow(ValueError);
    expect(() => new Lion([p()], { betas: [0.9, 1] })).toThrow('Invalid beta parameter at index 1: 1.0');
    expect(() => new LAMB([p()], { weightDecay: -0.5 })).toThrow('Invalid weight_decay value: -0.5');
    expect(() => new ScheduleFreeAdamW([p()], { warmupSteps: -1 })).toThrow('Invalid warmup_steps value: -1.0');
    expect(() => new Prodigy([p()], { d0: 0 })).toThrow('Invalid d0 value: 0.0');
    expect(() => new Prodigy([p()], { beta3: 1 })).toThrow('Invalid beta3 value: 1.0');
    expect(() => new Prodigy([p()], { growthRate: -2 })).toThrow('Invalid growth_rate value: -2.0');
  });

  it('keeps running values out of the options: given by the caller, they are rejected', () => {
    expect(() => new ScheduleFreeAdamW([p()], { k: 3 } as never)).toThrow('ScheduleFreeAdamW does not take the option `k`');
    expect(() => new Prodigy([{ params: [p()], d: 1 }] as never)).toThrow('Prodigy does not take the option `d` in parameter group 0');
    const opt = new Prodigy([p()], { d0: 1e-3 });
    expect(() => opt.addParamGroup({ params: [p()], trainMode: false } as never)).toThrow('unknown option `trainMode`');
    const g = opt.paramGroups[0] as Record<string, unknown>;
    expect([g.d, g.dMax, g.k]).toEqual([1e-3, 1e-3, 0]);
    const sf = new ScheduleFreeAdamW([p()]).paramGroups[0] as Record<string, unknown>;
    expect([sf.k, sf.trainMode, sf.weightSum, sf.lrMax]).toEqual([0, true, 0, -1]);
  });

  it('rejects bad scalar state and running values on load, changing nothing', () => {
    const lion = trained((ps) => new Lion(ps));
    rejectsLoad(lion.opt, lion.ps, (sd) => delete sd.state['0'].exp_avg, "missing 'exp_avg'");
    rejectsLoad(lion.opt, lion.ps, (sd) => (sd.param_groups[0].maximize = 'no'), '`maximize`');
    const lamb = trained((ps) => new LAMB(ps));
    rejectsLoad(lamb.opt, lamb.ps, (sd) => (sd.state['0'].step = -1), "'step' = -1.0");
    rejectsLoad(lamb.opt, lamb.ps, (sd) => (sd.state['1'].step = 1.5), "'step' = 1.5");
    const sf = trained((ps) => new ScheduleFreeAdamW(ps));
    rejectsLoad(sf.opt, sf.ps, (sd) => (sd.param_groups[0].k = 1.5), 'running value `k`');
    rejectsLoad(sf.opt, sf.ps, (sd) => (sd.param_groups[0].train_mode = 'yes'), 'running value `train_mode`');
    rejectsLoad(
      sf.opt,
      sf.ps,
      (sd) => delete sd.param_groups[0].weight_sum,
      'running value `weight_sum` in parameter group 0 of the loaded state dict is missing',
    );
    rejectsLoad(sf.opt, sf.ps, (sd) => delete sd.state['1'].z, "missing 'z'");
    const pr = trained((ps) => new Prodigy(ps));
    rejectsLoad(pr.opt, pr.ps, (sd) => (sd.param_groups[0].d = null), 'running value `d`');
    rejectsLoad(pr.opt, pr.ps, (sd) => (sd.param_groups[0].d = -1), 'Invalid d: -1.0');
    rejectsLoad(pr.opt, pr.ps, (sd) => (sd.param_groups[0].k = -1), 'running value `k`');
    rejectsLoad(pr.opt, pr.ps, (sd) => delete sd.state['0'].exp_avg, "missing 'exp_avg'");
    rejectsLoad(pr.opt, pr.ps, (sd) => (sd.state['0'].step = Number.NaN), "'step'");
  });

  it('Prodigy without momentum needs no exp_avg', () => {
    const { opt, ps } = trained((ps) => new Prodigy(ps, { betas: [0, 0.999] }));
    const sd = JSON.parse(JSON.stringify(opt.stateDict()));
    expect(sd.state['0'].exp_avg).toBeUndefined();
    opt.loadStateDict(sd);
    expect(ps[0]!.data.every(Number.isFinite)).toBe(true);
  });

  it('a Prodigy state dict through JSON (growth_rate Infinity → null) resumes exactly', () => {
    const a = trained((ps) => new Prodigy(ps), 4);
    const b = trained((ps) => new Prodigy(ps), 2);
    const fresh = trained((ps) => new Prodigy(ps), 0);
    fresh.ps.forEach((q, i) => q.data.set(b.ps[i]!.data));
    const sd = JSON.parse(JSON.stringify(b.opt.stateDict()));
    expect(sd.param_groups[0].growth_rate).toBeNull();
    fresh.opt.loadStateDict(sd);
    for (let s = 2; s < 4; s++) {
      for (const q of fresh.ps) q.setGrad(Float32Array.from(q.data, (x, i) => x * (s + 1) + 0.1 * i));
      fresh.opt.step();
    }
    fresh.ps.forEach((q, i) => expect([...q.data]).toEqual([...a.ps[i]!.data]));
  });
});
