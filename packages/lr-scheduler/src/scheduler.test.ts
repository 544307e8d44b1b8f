import { Parameter, zeros } from '@tsoptim/core';
import { Adam, type Optimizer, SGD } from '@tsoptim/optim';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ChainedScheduler,
  ConstantLR,
  CosineAnnealingLR,
  CosineAnnealingWarmRestarts,
  CyclicLR,
  ExponentialLR,
  LambdaLR,
  LinearLR,
  MultiplicativeLR,
  OneCycleLR,
  ReduceLROnPlateau,
  SequentialLR,
  StepLR,
} from './index.js';

const sgd = (...lrs: number[]) =>
  new SGD(
    lrs.map((lr) => ({ params: [new Parameter(zeros([1]))], lr })),
    { lr: 0.1, momentum: 0.9 },
  );
const lrs = (opt: Optimizer) => opt.paramGroups.map((g) => g.lr as number);

let warn: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(() => warn.mockRestore());

describe("validation with current PyTorch's messages", () => {
  const opt = sgd(0.1, 0.2);
  it.each([
    ['not an optimizer', () => new StepLR({} as never, { stepSize: 1 }), 'Object is not an Optimizer'],
    ['lambda count', () => new LambdaLR(opt, { lrLambda: [() => 1] }), 'Expected 2 lr_lambdas, but got 1'],
    ['lambda type', () => new MultiplicativeLR(opt, { lrLambda: 3 as never }), 'lr_lambda should be a function, but got number'],
    ['ConstantLR factor', () => new ConstantLR(opt, { factor: 1.5 }), 'Constant multiplicative factor expected to be between 0 and 1.'],
    [
      'LinearLR start',
      () => new LinearLR(opt, { startFactor: 0 }),
      'Starting multiplicative factor expected to be greater than 0 and less or equal to 1.',
    ],
    ['LinearLR end', () => new LinearLR(opt, { endFactor: 2 }), 'Ending multiplicative factor expected to be between 0 and 1.'],
    ['plateau factor', () => new ReduceLROnPlateau(opt, { factor: 1 }), 'Factor should be < 1.0.'],
    ['plateau min_lr', () => new ReduceLROnPlateau(opt, { minLr: [0] }), 'expected 2 min_lrs, got 1'],
    ['plateau mode', () => new ReduceLROnPlateau(opt, { mode: 'up' as never }), 'mode up is unknown!'],
    ['plateau threshold mode', () => new ReduceLROnPlateau(opt, { thresholdMode: 'x' as never }), 'threshold mode x is unknown!'],
    ['CyclicLR mode', () => new CyclicLR(opt, { baseLr: 0.1, maxLr: 1, mode: 'x' as never }), 'mode is invalid and scale_fn is None'],
    [
      'CyclicLR base_lr length',
      () => new CyclicLR(opt, { baseLr: [0.1], maxLr: 1 }),
      'base_lr must have the same length as optimizer.param_groups. base_lr has 1 values, param_groups has 2.',
    ],
    [
      'CyclicLR momentum support',
      () => {
        // An optimizer with neither momentum nor betas (as torch's Adagrad).
        const o = sgd(0.1);
        const plain = Object.assign(Object.create(Object.getPrototypeOf(o)), o, { defaults: { lr: 0.1 } });
        return new CyclicLR(plain, { baseLr: 0.1, maxLr: 1 });
      },
      null,
    ],
    ['OneCycleLR total', () => new OneCycleLR(opt, { maxLr: 1, totalSteps: 0 }), 'Expected positive integer total_steps, but got 0'],
    [
      'OneCycleLR epochs',
      () => new OneCycleLR(opt, { maxLr: 1, epochs: 1.5, stepsPerEpoch: 2 }),
      'Expected positive integer epochs, but got 1.5',
    ],
    ['OneCycleLR neither', () => new OneCycleLR(opt, { maxLr: 1 }), 'You must define either total_steps OR (epochs AND steps_per_epoch)'],
    [
      'OneCycleLR pct',
      () => new OneCycleLR(opt, { maxLr: 1, totalSteps: 5, pctStart: 1.5 }),
      'Expected float between 0 and 1 pct_start, but got 1.5',
    ],
    [
      'OneCycleLR anneal',
      () => new OneCycleLR(opt, { maxLr: 1, totalSteps: 5, annealStrategy: 'exp' as never }),
      "anneal_strategy must be one of 'cos' or 'linear', instead got exp",
    ],
    ['T_0', () => new CosineAnnealingWarmRestarts(opt, { t0: 0 }), 'Expected positive integer T_0, but got 0'],
    ['T_mult', () => new CosineAnnealingWarmRestarts(opt, { t0: 2, tMult: 1.5 }), 'Expected integer T_mult >= 1, but got 1.5'],
    [
      'resume without initial_lr',
      () => new StepLR(sgd(0.1), { stepSize: 2, lastEpoch: 3 }),
      "param 'initial_lr' is not specified in param_groups[0] when resuming scheduler with last_epoch >= 0.\n" +
        'This typically happens when:\n' +
        "1. You're trying to resume training from a checkpoint but haven't properly loaded the optimizer state\n" +
        "2. You're using last_epoch >= 0 for a fresh training run (not recommended)",
    ],
    [
      'SequentialLR milestones',
      () => new SequentialLR(opt, { schedulers: [new ExponentialLR(opt, { gamma: 0.9 })], milestones: [3] }),
      'Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers 1 and the number of milestones to be equal to 1',
    ],
    [
      'SequentialLR with ReduceLROnPlateau',
      () => new SequentialLR(opt, { schedulers: [new ExponentialLR(opt, { gamma: 0.9 }), new ReduceLROnPlateau(opt)], milestones: [3] }),
      'SequentialLR does not support `ReduceLROnPlateau` scheduler as it requires additional kwargs to be specified when calling `step`, but got one at index 1 in the given schedulers sequence.',
    ],
    [
      'ChainedScheduler empty',
      () => new ChainedScheduler([]),
      'ChainedScheduler expects at least one scheduler to be chained, but got no scheduler.',
    ],
  ])('%s', (_name, make, message) => {
    if (message === null) expect(make).toThrow('optimizer must support momentum or beta1 with `cycle_momentum` option enabled');
    else expect(make).toThrow(message);
  });

  it('a failed construction leaves the optimizer as it was', () => {
    const o = sgd(0.1, 0.2);
    const before = JSON.stringify(o.stateDict());
    expect(() => new CyclicLR(o, { baseLr: 0.01, maxLr: [1, 2, 3] })).toThrow();
    expect(() => new OneCycleLR(o, { maxLr: 1, totalSteps: 5, annealStrategy: 'x' as never })).toThrow();
    expect(JSON.stringify(o.stateDict())).toBe(before);
  });

  it('a schedule-valued lr cannot also be driven by a scheduler', () => {
    const o = new SGD([new Parameter(zeros([1]))], { lr: ((s: number) => 0.1 / (s + 1)) as never });
    expect(() => new StepLR(o, { stepSize: 2 })).toThrow("param_groups[0]['lr'] is a function, not a number");
  });
});

describe("torch's warnings", () => {
  it('warns once when scheduler.step() comes before optimizer.step()', () => {
    const o = sgd(0.1);
    const s = new StepLR(o, { stepSize: 2 });
    s.step();
    s.step();
    const calls = warn.mock.calls.filter((c) => String(c[0]).includes('Detected call of `lr_scheduler.step()` before `optimizer.step()`'));
    expect(calls).toHaveLength(1);
  });
  it('does not warn in the right order, and keeps the hooks the user registered', () => {
    const o = sgd(0.1);
    let userHook = 0;
    o.registerStepPostHook(() => void userHook++);
    const s = new StepLR(o, { stepSize: 2 });
    o.step();
    s.step();
    expect(warn).not.toHaveBeenCalled();
    expect(userHook).toBe(1);
  });
  it('warns on getLr() outside step() and on step(epoch)', () => {
    const s = new ExponentialLR(sgd(0.1), { gamma: 0.5 });
    s.getLr();
    expect(String(warn.mock.calls[0]![0])).toContain('please use `get_last_lr()`');
    s.step(3);
    expect(warn.mock.calls.some((c) => String(c[0]).includes('The epoch parameter in `scheduler.step()` was not necessary'))).toBe(true);
    expect(s.getLastLr()[0]).toBeCloseTo(0.1 * 0.125, 15);
  });
});

describe('per-group schedules', () => {
  it('a scheduler drives only the chosen groups', () => {
    const o = sgd(0.1, 0.2, 0.4);
    const s = new StepLR(o, { stepSize: 1, gamma: 0.5, groups: [1, 2] });
    o.step();
    s.step();
    expect(lrs(o)).toEqual([0.1, 0.1, 0.2]);
    expect(s.getLastLr()).toEqual([0.1, 0.2]);
    expect(s.stateDict().base_lrs).toEqual([0.2, 0.4]);
    expect(o.paramGroups[0]!.initialLr).toBeUndefined();
  });
  it('different schedulers on different groups, chained', () => {
    const o = sgd(1, 1);
    const chain = new ChainedScheduler([
      new StepLR(o, { stepSize: 2, gamma: 0.5, groups: [0] }),
      new ExponentialLR(o, { gamma: 0.5, groups: [1] }),
    ]);
    const seen = [chain.getLastLr()];
    for (let i = 0; i < 3; i++) {
      o.step();
      chain.step();
      seen.push(chain.getLastLr());
    }
    expect(seen).toEqual([
      [1, 1],
      [1, 0.5],
      [0.5, 0.25],
      [0.5, 0.125],
    ]);
  });
  it('per-group option lists follow the chosen groups', () => {
    const o = new Adam(
      [0, 1, 2].map(() => ({ params: [new Parameter(zeros([1]))] })),
      { lr: 0.1 },
    );
    const s = new CyclicLR(o, { baseLr: [0.01, 0.02], maxLr: 0.1, stepSizeUp: 2, groups: [0, 2] });
    expect(lrs(o)).toEqual([0.01, 0.1, 0.02]);
    expect(o.paramGroups.map((g) => (g.betas as readonly number[])[0])).toEqual([0.9, 0.9, 0.9]);
    o.step();
    s.step();
    const beta1 = o.paramGroups.map((g) => (g.betas as readonly number[])[0]!);
    [0.85, 0.9, 0.85].forEach((b, i) => expect(beta1[i]).toBeCloseTo(b, 15));
    expect(() => new StepLR(o, { stepSize: 1, groups: [3] })).toThrow(
      'groups: 3 is not the index of a parameter group (the optimizer has 3)',
    );
  });
  it('SequentialLR needs all its schedulers on the same groups', () => {
    const o = sgd(0.1, 0.2);
    expect(
      () =>
        new SequentialLR(o, {
          schedulers: [new ExponentialLR(o, { gamma: 0.9, groups: [0] }), new ExponentialLR(o, { gamma: 0.9 })],
          milestones: [2],
        }),
    ).toThrow('SequentialLR expects all schedulers to drive the same parameter groups');
  });
});

describe('state dicts and resuming', () => {
  it("torch's group keys appear in the optimizer's state dict", () => {
    const o = sgd(0.1);
    new OneCycleLR(o, { maxLr: 1, totalSteps: 10 });
    const g = o.stateDict().param_groups[0]!;
    expect(g.initial_lr).toBe(0.04);
    expect(g.max_lr).toBe(1);
    expect(g.min_lr).toBe(0.04 / 1e4);
    expect(g.max_momentum).toBe(0.95);
    expect(g.base_momentum).toBe(0.85);
  });
  it('loadStateDict checks everything first and changes nothing on a bad dict', () => {
    const o = sgd(0.1, 0.2);
    const s = new StepLR(o, { stepSize: 2 });
    const sd = s.stateDict();
    expect(() => s.loadStateDict({ ...sd, _last_lr: [1] })).toThrow("'_last_lr' has 1 values, the scheduler drives 2 parameter groups");
    expect(() => s.loadStateDict({ ...sd, gamma: 'x' })).toThrow("'gamma' must be a number");
    expect(s.stateDict()).toEqual(sd);
    expect(lrs(o)).toEqual([0.1, 0.2]);
  });
  it('ReduceLROnPlateau state survives a JSON round trip (best = Infinity)', () => {
    const o = sgd(0.1);
    const s = new ReduceLROnPlateau(o, { patience: 0 });
    const sd = JSON.parse(JSON.stringify(s.stateDict()));
    expect(sd.best).toBeNull();
    const s2 = new ReduceLROnPlateau(sgd(0.1), { patience: 0 });
    s2.loadStateDict(sd);
    expect(s2.best).toBe(Number.POSITIVE_INFINITY);
    s2.step(1);
    expect(s2.best).toBe(1);
  });
  it('resuming through lastEpoch after loading the optimizer continues the schedule (pytorch#60265)', () => {
    for (const make of [
      (o: Optimizer, lastEpoch?: number) => new CosineAnnealingLR(o, { tMax: 10, etaMin: 0.001, lastEpoch }),
      (o: Optimizer, lastEpoch?: number) => new ExponentialLR(o, { gamma: 0.8, lastEpoch }),
      (o: Optimizer, lastEpoch?: number) => new LinearLR(o, { startFactor: 0.2, totalIters: 8, lastEpoch }),
    ]) {
      const a = sgd(0.1);
      const sa = make(a);
      const full: number[] = [];
      for (let i = 0; i < 12; i++) {
        a.step();
        sa.step();
        full.push(lrs(a)[0]!);
      }
      const b = sgd(0.1);
      const sb0 = make(b);
      for (let i = 0; i < 5; i++) {
        b.step();
        sb0.step();
      }
      const c = sgd(0.1);
      c.loadStateDict(JSON.parse(JSON.stringify(b.stateDict())));
      const sc = make(c, 4); // torch's convention: the initial step moves last_epoch 4 → 5
      expect(lrs(c)).toEqual([full[4]]);
      const resumed: number[] = [];
      for (let i = 5; i < 12; i++) {
        c.step();
        sc.step();
        resumed.push(lrs(c)[0]!);
      }
      for (let i = 0; i < resumed.length; i++) expect(resumed[i]).toBeCloseTo(full[i + 5]!, 15);
    }
  });
});
