import { Parameter, TsoptimError, zeros } from '@tsoptim/core';
import { Adam, type Optimizer, SGD } from '@tsoptim/optim';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CosineAnnealingLR,
  CyclicLR,
  ExponentialLR,
  LambdaLR,
  MultiStepLR,
  OneCycleLR,
  StepLR,
  compileExpression,
  createSchedule,
  createScheduler,
  traceSchedule,
} from './index.js';

const sgd = (...lrs: number[]) =>
  new SGD(
    lrs.map((lr) => ({ params: [new Parameter(zeros([1]))], lr })),
    { lr: 0.1, momentum: 0.9 },
  );
const groups = (opt: Optimizer) => JSON.stringify(opt.paramGroups.map(({ params: _p, ...g }) => g));

let warn: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(() => warn.mockRestore());

function rejects(make: () => unknown, message: string | RegExp): void {
  let error: unknown;
  try {
    make();
  } catch (e) {
    error = e;
  }
  expect(TsoptimError.isInstance(error), String(error)).toBe(true);
  if (typeof message === 'string') expect((error as Error).message).toContain(message);
  else expect((error as Error).message).toMatch(message);
}

describe('scheduler options are checked at runtime', () => {
  it.each([
    ['ExponentialLR {}', (o: Optimizer) => new ExponentialLR(o, {} as never), "ExponentialLR() missing 1 required option: 'gamma'"],
    [
      'CosineAnnealingLR {}',
      (o: Optimizer) => new CosineAnnealingLR(o, {} as never),
      "CosineAnnealingLR() missing 1 required option: 'tMax'",
    ],
    ['StepLR {}', (o: Optimizer) => new StepLR(o, {} as never), "StepLR() missing 1 required option: 'stepSize'"],
    ['LambdaLR {}', (o: Optimizer) => new LambdaLR(o, {} as never), "LambdaLR() missing 1 required option: 'lrLambda'"],
    ['MultiStepLR {}', (o: Optimizer) => new MultiStepLR(o, {} as never), "MultiStepLR() missing 1 required option: 'milestones'"],
    [
      'CyclicLR without maxLr',
      (o: Optimizer) => new CyclicLR(o, { baseLr: 0.01 } as never),
      "CyclicLR() missing 1 required option: 'maxLr'",
    ],
    [
      'OneCycleLR without maxLr',
      (o: Optimizer) => new OneCycleLR(o, { totalSteps: 10 } as never),
      "OneCycleLR() missing 1 required option: 'maxLr'",
    ],
    [
      'divFactor: 0',
      (o: Optimizer) => new OneCycleLR(o, { maxLr: 1, totalSteps: 10, divFactor: 0 }),
      "OneCycleLR: option 'divFactor' must be a number > 0, got 0",
    ],
    [
      'stepSizeUp: 0',
      (o: Optimizer) => new CyclicLR(o, { baseLr: 0.1, maxLr: 1, stepSizeUp: 0 }),
      "CyclicLR: option 'stepSizeUp' must be a number > 0, got 0",
    ],
    [
      "torch's spelling",
      (o: Optimizer) => new StepLR(o, { step_size: 3 } as never),
      "StepLR() got an unexpected option 'step_size'; did you mean 'stepSize'?",
    ],
    [
      'a typo',
      (o: Optimizer) => new StepLR(o, { stepSize: 3, gama: 0.5 } as never),
      "got an unexpected option 'gama'; did you mean 'gamma'?",
    ],
    ['T_max', (o: Optimizer) => new CosineAnnealingLR(o, { T_max: 3 } as never), "did you mean 'tMax'?"],
    [
      'a string gamma',
      (o: Optimizer) => new ExponentialLR(o, { gamma: '0.9' as never }),
      "ExponentialLR: option 'gamma' must be a finite number, got string '0.9'",
    ],
    ['NaN gamma', (o: Optimizer) => new StepLR(o, { stepSize: 2, gamma: Number.NaN }), "option 'gamma' must be a finite number"],
    [
      'null milestones',
      (o: Optimizer) => new MultiStepLR(o, { milestones: null as never }),
      "option 'milestones' must be a list of integers",
    ],
    ['options not an object', (o: Optimizer) => new StepLR(o, 5 as never), 'StepLR() options must be an object'],
    [
      '__proto__ key',
      (o: Optimizer) => new StepLR(o, JSON.parse('{"stepSize": 2, "__proto__": {"gamma": 5}}')),
      "unexpected option '__proto__'",
    ],
    [
      'lrLambda not a function',
      (o: Optimizer) => new LambdaLR(o, { lrLambda: 'epoch' as never }),
      'lr_lambda should be a function, but got string',
    ],
  ])('%s', (_name, make, message) => {
    const o = sgd(0.1, 0.2);
    const before = groups(o);
    rejects(() => make(o), message);
    expect(groups(o)).toBe(before);
  });

  it('a failed CyclicLR / OneCycleLR constructor leaves the groups untouched', () => {
    const o = new Adam([{ params: [new Parameter(zeros([1]))], lr: 0.1 }], { lr: 0.1 });
    const before = groups(o);
    rejects(() => new CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, scaleFn: () => 'x' as never }), 'scale_fn returned string');
    rejects(
      () =>
        new CyclicLR(o, {
          baseLr: 0.01,
          maxLr: 0.1,
          scaleFn: () => {
            throw new TsoptimError('boom');
          },
        }),
      'boom',
    );
    rejects(() => new OneCycleLR(o, { maxLr: [1, 2], totalSteps: 10 }), 'max_lr must have the same length');
    rejects(() => new OneCycleLR(o, { maxLr: 1, totalSteps: 10, lastEpoch: 3 }), "param 'initial_lr' is not specified");
    expect(groups(o)).toBe(before);
  });

  it('a lambda that fails at the initial step leaves no initialLr behind', () => {
    const o = sgd(0.1);
    const before = groups(o);
    rejects(() => new LambdaLR(o, { lrLambda: () => 'x' as never }), 'lr_lambda returned string');
    expect(groups(o)).toBe(before);
  });
});

describe('loadStateDict checks everything first', () => {
  it('a failed OneCycleLR.loadStateDict leaves a working scheduler', () => {
    const o = sgd(0.1);
    const s = new OneCycleLR(o, { maxLr: 1, totalSteps: 10 });
    o.step();
    s.step();
    const sd = s.stateDict();
    const before = JSON.stringify([s.stateDict(), groups(o)]);
    for (const bad of [
      { ...sd, _schedule_phases: [] },
      {
        ...sd,
        _schedule_phases: [
          { end_step: 2, start_lr: 'constructor', end_lr: 'max_lr', start_momentum: 'max_momentum', end_momentum: 'base_momentum' },
        ],
      },
      { ...sd, total_steps: 0 },
      { ...sd, total_steps: '10' },
      { ...sd, _anneal_func_type: 'exp' },
      { ...sd, use_beta1: 'yes' },
      { ...sd, last_epoch: 1.5 },
      { ...sd, _step_count: -1 },
    ]) {
      rejects(() => s.loadStateDict(bad), /total_steps|_schedule_phases|_anneal_func_type|use_beta1|last_epoch|_step_count/);
      expect(JSON.stringify([s.stateDict(), groups(o)])).toBe(before);
    }
    o.step();
    s.step();
    expect(s.getLastLr()[0]).toBeGreaterThan(0);
  });

  it('state dict keys are never read through the prototype', () => {
    const s = new StepLR(sgd(0.1), { stepSize: 2 });
    const sd = Object.create(s.stateDict()) as Record<string, unknown>;
    rejects(() => s.loadStateDict(sd), "'base_lrs' must be a list of numbers");
  });

  it('a StepLR state with step_size 0 is refused as the constructor refuses it', () => {
    const s = new StepLR(sgd(0.1), { stepSize: 2 });
    rejects(() => s.loadStateDict({ ...s.stateDict(), step_size: 0 }), "'step_size'");
  });
});

describe('step() arguments', () => {
  it('rejects an epoch or a metric that is not a number, changing nothing', () => {
    const o = sgd(0.1);
    for (const s of [new StepLR(o, { stepSize: 2 }), new ExponentialLR(o, { gamma: 0.5 })]) {
      const before = JSON.stringify([s.stateDict(), groups(o)]);
      rejects(() => s.step('3' as never), 'epoch must be a finite number, got string 3');
      rejects(() => s.step(Number.NaN), 'epoch must be a finite number');
      expect(JSON.stringify([s.stateDict(), groups(o)])).toBe(before);
    }
    const p = createScheduler(o, { scheduler: 'ReduceLROnPlateau' }) as unknown as { step(m: unknown, e?: unknown): void };
    rejects(() => p.step({}), 'metrics must be a number');
    rejects(() => p.step(1, 'x'), 'epoch must be a finite number');
    const w = createScheduler(o, { scheduler: 'CosineAnnealingWarmRestarts', options: { t0: 3 } });
    rejects(() => w.step(null as never), 'epoch must be a finite number');
  });
});

describe("torch's warning when optimizer.step is replaced", () => {
  it('warns once at the first scheduler step', () => {
    const o = sgd(0.1);
    const s = new StepLR(o, { stepSize: 2 });
    const original = o.step.bind(o);
    o.step = ((closure?: () => number) => original(closure)) as typeof o.step;
    o.step();
    s.step();
    const messages = warn.mock.calls.map((c) => String(c[0]));
    expect(
      messages.filter((m) => m.includes('Seems like `optimizer.step()` has been overridden after learning rate scheduler initialization')),
    ).toHaveLength(1);
    expect(messages.some((m) => m.includes('Detected call of `lr_scheduler.step()`'))).toBe(false);
  });
});

describe('configs are data', () => {
  it('looks names up by own name only', () => {
    const o = sgd(0.1);
    const before = groups(o);
    rejects(() => createScheduler(o, { scheduler: 'constructor' }), 'unknown scheduler "constructor"; known: LambdaLR');
    rejects(() => createScheduler(o, { scheduler: '__proto__' }), 'unknown scheduler "__proto__"');
    rejects(() => createScheduler(o, { scheduler: 'toString' }), 'unknown scheduler "toString"');
    rejects(() => createSchedule({ schedule: 'hasOwnProperty' }), 'unknown schedule "hasOwnProperty"');
    rejects(
      () => createScheduler(o, JSON.parse('{"scheduler": "StepLR", "options": {"stepSize": 2}, "__proto__": {}}')),
      'unknown key "__proto__"',
    );
    expect(groups(o)).toBe(before);
  });

  it('lrLambda and scaleFn strings are expressions, never code', () => {
    const o = sgd(1);
    const s = createScheduler(o, { scheduler: 'LambdaLR', options: { lrLambda: 'epoch < 2 ? 1 : Math.pow(0.5, epoch - 1)' } });
    for (let i = 0; i < 3; i++) {
      o.step();
      s.step();
    }
    expect(s.getLastLr()).toEqual([0.25]);
    for (const code of [
      'process.exit(1)',
      "require('fs').writeFileSync('x', '')",
      'globalThis',
      'this.constructor',
      '(() => 1)()',
      'epoch; 1',
      '`x`',
      'constructor.constructor("return process")()',
    ]) {
      rejects(() => createScheduler(sgd(1), { scheduler: 'LambdaLR', options: { lrLambda: code } }), 'lrLambda');
    }
    rejects(() => traceSchedule({ scheduler: 'CyclicLR', options: { baseLr: 0.1, maxLr: 1, scaleFn: 'x.y' } }), 'scaleFn');
  });
});

describe('the expression language', () => {
  const f = (src: string, ...v: number[]) => compileExpression(src, ['epoch', 'x'], 'e')(...v);
  it.each([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['2 ** 3 ** 2', 512],
    ['-2 ** 2', -4],
    ['7 % 3', 1],
    ['0.95 ** epoch', 0.95 ** 4],
    ['epoch % 3 === 0 ? 0.8 : 1.0', 1],
    ['epoch >= 4 && x < 1 ? 1 : 0', 1],
    ['!(epoch == 4) || 0', 0],
    ['Math.min(1, (epoch + 1) / 5)', 1],
    ['max(1, 2, 3) + abs(-1) + floor(2.7) + Math.PI - PI', 6],
    ['1e-3 * 2', 0.002],
    ['.5 + 1.', 1.5],
    ['cos(0) + exp(0) + log(E) + sqrt(4) + pow(2, 2)', 9],
    ['1 / (1.0 + 0.5 * (x - 1))', 1 / (1 + 0.5 * (0.5 - 1))],
  ])('%s', (src, expected) => {
    expect(f(src, 4, 0.5)).toBeCloseTo(expected as number, 12);
  });
  it.each([
    ['', 'the expression is empty'],
    ['1 +', 'the expression ended too early'],
    ['(1', 'expected ")" but the expression ended'],
    ['1 2', 'unexpected "2"'],
    ['foo', 'unknown name "foo"'],
    ['Math.random()', 'unknown function "random"'],
    ['Math.constructor', 'unknown Math constant "constructor"'],
    ['min()', 'min takes 1 to 16 arguments, got 0'],
    ['pow(1)', 'pow takes 2 arguments, got 1'],
    ['a = 1', 'unexpected character "="'],
    ['"s"', 'unexpected character'],
    ['x[0]', 'unexpected character "["'],
    ['1 ? 2', 'expected ":"'],
    [`${'('.repeat(200)}1${')'.repeat(200)}`, 'nested more than'],
    [`${'-'.repeat(300)}1`, 'nested more than'],
    [`${'1+'.repeat(1500)}1`, 'longer than 2000'],
  ])('rejects %s', (src, message) => {
    rejects(() => compileExpression(src, ['epoch', 'x'], 'e'), message);
  });
});
