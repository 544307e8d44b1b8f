/**
 * Seeded fuzz of bad inputs for the schedulers, their state dicts, scheduler configs (lr-scheduler's and the
 * registry's), thinc config text and config expressions. For every input: a tsoptim error (never a native
 * TypeError / ReferenceError), a message naming the option or key, and optimizer groups and scheduler state
 * deep-equal before and after.
 */
import { Parameter, TsoptimError, zeros } from '@tsoptim/core';
import * as schedules from '@tsoptim/lr-scheduler';
import {
  ChainedScheduler,
  ConstantLR,
  CosineAnnealingLR,
  CosineAnnealingWarmRestarts,
  CyclicLR,
  ExponentialLR,
  LambdaLR,
  LinearLR,
  type LRScheduler,
  MultiStepLR,
  MultiplicativeLR,
  OneCycleLR,
  PolynomialLR,
  ReduceLROnPlateau,
  SequentialLR,
  StepLR,
  compileExpression,
  createScheduler,
  traceSchedule,
} from '@tsoptim/lr-scheduler';
import { Adam, type Optimizer, SGD } from '@tsoptim/optim';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { schedulerFromConfig, thincOptimizerFromConfig } from './index.js';

/** mulberry32: a small seeded generator, so a failure reproduces. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(14);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;

type Kind = 'sgd' | 'adam';
const optimizer = (kind: Kind): Optimizer => {
  const groups = [0.1, 0.2].map((lr) => ({ params: [new Parameter(zeros([1]))], lr }));
  return kind === 'adam' ? new Adam(groups, { lr: 0.1 }) : new SGD(groups, { lr: 0.1, momentum: 0.9 });
};
const groupsOf = (o: Optimizer): string => JSON.stringify(o.paramGroups.map(({ params: _p, ...g }) => g));
const norm = (s: string): string => s.toLowerCase().replace(/[_\s]/g, '');
const snake = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

interface Case {
  what: string;
  /** Names, any of which the message must contain (compared without case and underscores). */
  names: string[];
  run: () => unknown;
  /** State that must not change. */
  state: () => string;
}

const cases: Case[] = [];
const results = { tried: 0, byArea: new Map<string, number>() };
const add = (area: string, c: Case) => {
  cases.push({ ...c, what: `${area}: ${c.what}` });
  results.byArea.set(area, (results.byArea.get(area) ?? 0) + 1);
};

// ---- scheduler declarations for the fuzz: a valid set of options, and per option the values to break it ---

const fn1 = (e: number) => 0.9 ** e;
const NUMBER_BAD: unknown[] = ['x', '0.1', Number.NaN, Number.POSITIVE_INFINITY, null, {}, true, [1, 'x']];
const INT_BAD: unknown[] = [...NUMBER_BAD, 1.5, -3];
const FN_BAD: unknown[] = [3, 'epoch', {}, null, [fn1]];
const BOOL_BAD: unknown[] = ['true', 1, null, {}];
const LIST_BAD: unknown[] = ['x', 3, null, {}, [1.5], ['a']];

interface Spec {
  name: string;
  kind: Kind;
  make: (o: Optimizer, options: Record<string, unknown>) => LRScheduler;
  valid: Record<string, unknown>;
  required: string[];
  bad: Record<string, unknown[]>;
}
const SPECS: Spec[] = [
  {
    name: 'StepLR',
    kind: 'sgd',
    make: (o, x) => new StepLR(o, x as never),
    valid: { stepSize: 2, gamma: 0.5 },
    required: ['stepSize'],
    bad: { stepSize: [...INT_BAD, 0], gamma: NUMBER_BAD, lastEpoch: [...INT_BAD, -2] },
  },
  {
    name: 'MultiStepLR',
    kind: 'sgd',
    make: (o, x) => new MultiStepLR(o, x as never),
    valid: { milestones: [2, 4] },
    required: ['milestones'],
    bad: { milestones: LIST_BAD, gamma: NUMBER_BAD },
  },
  {
    name: 'ExponentialLR',
    kind: 'sgd',
    make: (o, x) => new ExponentialLR(o, x as never),
    valid: { gamma: 0.9 },
    required: ['gamma'],
    bad: { gamma: NUMBER_BAD },
  },
  {
    name: 'ConstantLR',
    kind: 'sgd',
    make: (o, x) => new ConstantLR(o, x as never),
    valid: { factor: 0.5 },
    required: [],
    bad: { factor: [...NUMBER_BAD, 1.5, -0.1], totalIters: [...INT_BAD] },
  },
  {
    name: 'LinearLR',
    kind: 'sgd',
    make: (o, x) => new LinearLR(o, x as never),
    valid: {},
    required: [],
    bad: { startFactor: [...NUMBER_BAD, 0, 2], endFactor: [...NUMBER_BAD, -1, 2], totalIters: [...INT_BAD, 0] },
  },
  {
    name: 'PolynomialLR',
    kind: 'sgd',
    make: (o, x) => new PolynomialLR(o, x as never),
    valid: { totalIters: 4 },
    required: [],
    bad: { totalIters: [...INT_BAD, 0], power: NUMBER_BAD },
  },
  {
    name: 'CosineAnnealingLR',
    kind: 'sgd',
    make: (o, x) => new CosineAnnealingLR(o, x as never),
    valid: { tMax: 10 },
    required: ['tMax'],
    bad: { tMax: [...NUMBER_BAD, 0, -1], etaMin: NUMBER_BAD },
  },
  {
    name: 'CosineAnnealingWarmRestarts',
    kind: 'sgd',
    make: (o, x) => new CosineAnnealingWarmRestarts(o, x as never),
    valid: { t0: 5 },
    required: ['t0'],
    bad: { t0: [...INT_BAD, 0], tMult: [...INT_BAD, 0], etaMin: NUMBER_BAD },
  },
  {
    name: 'LambdaLR',
    kind: 'sgd',
    make: (o, x) => new LambdaLR(o, x as never),
    valid: { lrLambda: fn1 },
    required: ['lrLambda'],
    bad: { lrLambda: FN_BAD },
  },
  {
    name: 'MultiplicativeLR',
    kind: 'sgd',
    make: (o, x) => new MultiplicativeLR(o, x as never),
    valid: { lrLambda: fn1 },
    required: ['lrLambda'],
    bad: { lrLambda: FN_BAD },
  },
  {
    name: 'CyclicLR',
    kind: 'adam',
    make: (o, x) => new CyclicLR(o, x as never),
    valid: { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 4 },
    required: ['baseLr', 'maxLr'],
    bad: {
      baseLr: [...NUMBER_BAD, [0.1], []],
      maxLr: [...NUMBER_BAD, [0.1, 0.2, 0.3]],
      stepSizeUp: [...NUMBER_BAD, 0, -2],
      stepSizeDown: ['x', Number.NaN, -1],
      mode: [3, null, 'exp'],
      gamma: NUMBER_BAD,
      scaleFn: [3, 'x', {}],
      scaleMode: ['x', 3, null],
      cycleMomentum: BOOL_BAD,
      baseMomentum: NUMBER_BAD,
      maxMomentum: NUMBER_BAD,
    },
  },
  {
    name: 'OneCycleLR',
    kind: 'sgd',
    make: (o, x) => new OneCycleLR(o, x as never),
    valid: { maxLr: 0.1, totalSteps: 20 },
    required: ['maxLr'],
    bad: {
      maxLr: [...NUMBER_BAD, [0.1]],
      totalSteps: ['x', Number.NaN, 0, 1.5, -1, {}],
      pctStart: [...NUMBER_BAD, 1.5, -0.1],
      annealStrategy: ['exp', 3, null],
      cycleMomentum: BOOL_BAD,
      baseMomentum: NUMBER_BAD,
      maxMomentum: NUMBER_BAD,
      divFactor: [...NUMBER_BAD, 0, -1],
      finalDivFactor: [...NUMBER_BAD, 0],
      threePhase: BOOL_BAD,
    },
  },
  {
    name: 'ReduceLROnPlateau',
    kind: 'sgd',
    make: (o, x) => new ReduceLROnPlateau(o, x as never),
    valid: { patience: 1 },
    required: [],
    bad: {
      mode: ['up', 3, null],
      factor: [...NUMBER_BAD, 1, 2],
      patience: [...INT_BAD],
      threshold: NUMBER_BAD,
      thresholdMode: ['x', null],
      cooldown: INT_BAD,
      minLr: [...NUMBER_BAD, [0.1], -1],
      eps: [...NUMBER_BAD, -1],
    },
  },
];

const UNKNOWN_KEYS = [
  'stepsize',
  'lrr',
  'verbose',
  'constructor',
  'toString',
  'hasOwnProperty',
  'T_max',
  'step_size',
  'max_lr',
  'last_epoch',
  'gamma_',
];

// 1. Scheduler constructors: a missing required option, an unknown name, a bad value per option.
for (const spec of SPECS) {
  const ctor = (mutate: (o: Record<string, unknown>) => void, what: string, names: string[]) => {
    const opt = optimizer(spec.kind);
    add('constructor', {
      what: `${spec.name} ${what}`,
      names,
      run: () => {
        const options = { ...spec.valid };
        mutate(options);
        return spec.make(opt, options);
      },
      state: () => groupsOf(opt),
    });
  };
  for (const r of spec.required) ctor((o) => delete o[r], `without ${r}`, [r]);
  for (let i = 0; i < 4; i++) {
    const key = pick(UNKNOWN_KEYS.filter((k) => !(k in spec.valid) && !(k in spec.bad)));
    ctor((o) => (o[key] = 1), `with unknown ${key}`, [key]);
  }
  // As JSON.parse makes it: an own "__proto__" key (an inert prototype is covered in lr-scheduler's tests).
  ctor(
    (o) => Object.defineProperty(o, '__proto__', { value: { gamma: 2 }, enumerable: true, writable: true, configurable: true }),
    'with a __proto__ key',
    ['__proto__'],
  );
  for (const [key, values] of Object.entries(spec.bad)) {
    for (const v of values)
      ctor((o) => (o[key] = v), `${key} = ${String(typeof v === 'object' ? JSON.stringify(v) : v)}`, [
        key,
        snake(key),
        'lr_lambda',
        'scale_fn',
      ]);
  }
}

// Composites: bad sub-scheduler lists and milestones.
for (const [what, make] of [
  [
    'SequentialLR without milestones',
    (o: Optimizer) => new SequentialLR(o, { schedulers: [new ExponentialLR(o, { gamma: 0.9 })] } as never),
  ],
  ['SequentialLR schedulers: 3', (o: Optimizer) => new SequentialLR(o, { schedulers: 3, milestones: [] } as never)],
  [
    'SequentialLR milestones: "x"',
    (o: Optimizer) => new SequentialLR(o, { schedulers: [new ExponentialLR(o, { gamma: 0.9 })], milestones: 'x' } as never),
  ],
  [
    'SequentialLR with groups',
    (o: Optimizer) => new SequentialLR(o, { schedulers: [new ExponentialLR(o, { gamma: 0.9 })], milestones: [], groups: [0] } as never),
  ],
  ['ChainedScheduler of null', (o: Optimizer) => new ChainedScheduler([null as never], { optimizer: o })],
  ['ChainedScheduler schedulers: 5', () => new ChainedScheduler(5 as never)],
  ['ChainedScheduler options.lr', (o: Optimizer) => new ChainedScheduler([new ExponentialLR(o, { gamma: 0.9 })], { lr: 1 } as never)],
] as const) {
  const opt = optimizer('sgd');
  add('constructor', {
    what,
    names: ['schedulers', 'milestones', 'groups', 'scheduler', 'lr'],
    run: () => make(opt),
    state: () => '',
  });
}

// 2. loadStateDict: each entry of a real state dict broken in turn.
const STEPPED: [string, (o: Optimizer) => LRScheduler, Kind][] = [
  ...SPECS.map((s): [string, (o: Optimizer) => LRScheduler, Kind] => [s.name, (o) => s.make(o, { ...s.valid }), s.kind]),
  [
    'SequentialLR',
    (o) => new SequentialLR(o, { schedulers: [new ConstantLR(o, { factor: 0.5 }), new ExponentialLR(o, { gamma: 0.9 })], milestones: [2] }),
    'sgd',
  ],
  ['ChainedScheduler', (o) => new ChainedScheduler([new StepLR(o, { stepSize: 1 }), new ExponentialLR(o, { gamma: 0.9 })]), 'sgd'],
];
const SKIP_KEYS = new Set(['_get_lr_called_within_step', '_is_initial', 'mode_worse', 'lr_lambdas', '_scale_fn_custom', 'milestones']);
for (const [name, make, kind] of STEPPED) {
  const opt = optimizer(kind);
  const sched = make(opt);
  for (let i = 0; i < 3; i++) {
    opt.step();
    if (sched instanceof ReduceLROnPlateau) sched.step(1);
    else sched.step();
  }
  const sd = sched.stateDict();
  const snapshot = () => `${JSON.stringify(sched.stateDict())}|${groupsOf(opt)}`;
  const load = (mutated: Record<string, unknown>, what: string, key: string) =>
    add('loadStateDict', { what: `${name} ${what}`, names: [key], run: () => sched.loadStateDict(mutated), state: snapshot });
  for (const [key, value] of Object.entries(sd)) {
    if (SKIP_KEYS.has(key)) continue;
    if (typeof value === 'number') {
      for (const bad of ['x', null, {}, [1]]) {
        if (bad === null && (key === 'best' || key === 'default_min_lr')) continue; // null is what torch saves there
        load({ ...sd, [key]: bad }, `${key} = ${JSON.stringify(bad)}`, key);
      }
    } else if (Array.isArray(value) && value.every((v) => typeof v === 'number')) {
      for (const bad of ['x', [...value, 1], ['a']]) load({ ...sd, [key]: bad }, `${key} = ${JSON.stringify(bad)}`, key);
    } else if (typeof value === 'string' || typeof value === 'boolean') {
      load({ ...sd, [key]: 17 }, `${key} = 17`, key);
    } else if (key === '_schedulers') {
      load({ ...sd, [key]: (value as unknown[]).slice(1) }, `${key} short`, key);
      load(
        { ...sd, [key]: [{ ...(value as Record<string, unknown>[])[0], last_epoch: 'x' }, ...(value as unknown[]).slice(1)] },
        `${key}[0].last_epoch = x`,
        'last_epoch',
      );
    } else if (key === '_schedule_phases') {
      load({ ...sd, [key]: [] }, `${key} = []`, key);
      load(
        {
          ...sd,
          [key]: [{ end_step: 1, start_lr: '__proto__', end_lr: 'max_lr', start_momentum: 'max_momentum', end_momentum: 'base_momentum' }],
        },
        `${key} naming __proto__`,
        key,
      );
    }
  }
  for (const required of name === 'ReduceLROnPlateau' ? ['last_epoch'] : ['last_epoch', '_last_lr']) {
    if (!Object.hasOwn(sd, required)) continue;
    const { [required]: _drop, ...rest } = sd;
    load(rest, `without ${required}`, required);
  }
  add('loadStateDict', {
    what: `${name} from a prototype`,
    names: ['base_lrs', '_schedulers', 'last_epoch', '_last_lr'],
    run: () => sched.loadStateDict(Object.create(sd)),
    state: snapshot,
  });
}

// 3. createScheduler / traceSchedule configs (lr-scheduler's JSON configs).
const CONFIG_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'steplr', 'Step', 'valueOf'];
for (const name of CONFIG_NAMES) {
  const opt = optimizer('sgd');
  add('createScheduler', {
    what: `scheduler ${name}`,
    names: [name],
    run: () => createScheduler(opt, { scheduler: name, options: {} }),
    state: () => groupsOf(opt),
  });
}
for (const spec of SPECS) {
  for (let i = 0; i < 3; i++) {
    const entries = Object.entries(spec.bad).filter(([k]) => k !== 'lrLambda' && k !== 'scaleFn');
    if (entries.length === 0) break;
    const [key, values] = pick(entries);
    const v = pick(values.filter((x) => typeof x !== 'number' || Number.isFinite(x)));
    const opt = optimizer(spec.kind);
    add('createScheduler', {
      what: `${spec.name} ${key} = ${JSON.stringify(v)}`,
      names: [key, snake(key)],
      run: () => createScheduler(opt, JSON.parse(JSON.stringify({ scheduler: spec.name, options: { ...spec.valid, [key]: v } }))),
      state: () => groupsOf(opt),
    });
  }
  const opt = optimizer(spec.kind);
  const unknown = pick(UNKNOWN_KEYS.filter((k) => !(k in spec.bad)));
  add('createScheduler', {
    what: `${spec.name} with ${unknown}`,
    names: [unknown],
    run: () => createScheduler(opt, { scheduler: spec.name, options: { ...spec.valid, [unknown]: 1 } }),
    state: () => groupsOf(opt),
  });
}
const BAD_EXPRESSIONS = [
  'process.exit(1)',
  "require('child_process')",
  'this',
  'epoch => 1',
  'epoch; 1',
  'constructor',
  '__proto__',
  'Math.constructor("return 1")',
  'Math["random"]()',
  'import("fs")',
  '0.95 ** ',
  '((epoch)',
  'epoch ? 1',
  'x',
  'epoch.toString()',
  `\`$\{epoch}\``,
  'new Date()',
  'epoch = 2',
  'globalThis.eval("1")',
  'Function("return 1")()',
];
for (const expr of BAD_EXPRESSIONS) {
  for (const scheduler of ['LambdaLR', 'MultiplicativeLR']) {
    const opt = optimizer('sgd');
    add('expression', {
      what: `${scheduler} lrLambda ${expr}`,
      names: ['lrLambda'],
      run: () => createScheduler(opt, { scheduler, options: { lrLambda: expr } }),
      state: () => groupsOf(opt),
    });
  }
  add('expression', {
    what: `CyclicLR scaleFn ${expr}`,
    names: ['scaleFn'],
    run: () =>
      traceSchedule({
        scheduler: 'CyclicLR',
        options: { baseLr: 0.01, maxLr: 0.1, scaleFn: expr.replaceAll('epoch', 'x').replace(/^x$/, 'epoch') },
        steps: 3,
      }),
    state: () => '',
  });
}
// Random token soup: whatever compiles is fine; what does not must fail with a tsoptim error naming the option.
const TOKENS = [
  'epoch',
  '1',
  '0.5',
  '+',
  '-',
  '*',
  '/',
  '**',
  '(',
  ')',
  '?',
  ':',
  '<',
  '===',
  '&&',
  '!',
  'Math.',
  'cos',
  'min',
  ',',
  'foo',
  '[',
  '"',
  ';',
  '=',
  '.',
  'e3',
];
for (let i = 0; i < 60; i++) {
  const src = Array.from({ length: 1 + Math.floor(random() * 8) }, () => pick(TOKENS)).join(' ');
  let compiles = true;
  try {
    compileExpression(src, ['epoch'], 'lrLambda');
  } catch {
    compiles = false;
  }
  if (!compiles)
    add('expression', {
      what: `soup ${src}`,
      names: ['lrLambda'],
      run: () => compileExpression(src, ['epoch'], 'lrLambda'),
      state: () => '',
    });
}
for (const [what, config] of [
  ['config with __proto__', JSON.parse('{"scheduler": "StepLR", "options": {"stepSize": 2}, "__proto__": {"steps": 3}}')],
  ['options with __proto__', JSON.parse('{"scheduler": "StepLR", "options": {"stepSize": 2, "__proto__": {"gamma": 3}}}')],
  ['steps: "x"', { scheduler: 'StepLR', options: { stepSize: 2 }, steps: 'x' }],
  ['optimizer: RMSprop', { scheduler: 'StepLR', options: { stepSize: 2 }, optimizer: 'RMSprop' }],
  ['groups: 3', { scheduler: 'StepLR', options: { stepSize: 2 }, groups: 3 }],
  ['metrics: "x"', { scheduler: 'ReduceLROnPlateau', metrics: 'x' }],
  ['schedule constructor', { schedule: 'constructor' }],
  ['schedule and scheduler', { schedule: 'constant', scheduler: 'StepLR', options: { rate: 1 } }],
  ['constant rate "x"', { schedule: 'constant', options: { rate: 'x' } }],
  ['warmupLinear without totalSteps', { schedule: 'warmupLinear', options: { initialRate: 0.1, warmupSteps: 2 } }],
  ['cosineDecay decaySteps 0', { schedule: 'cosineDecay', options: { initValue: 0.1, decaySteps: 0 } }],
  ['plateau schedule 3', { schedule: 'plateau', options: { maxPatience: 1, scale: 0.5, schedule: 3 } }],
  ['joinSchedules schedules "x"', { schedule: 'joinSchedules', options: { schedules: 'x', boundaries: [] } }],
  ['options: []', { scheduler: 'StepLR', options: [] }],
  ['SequentialLR schedulers "x"', { scheduler: 'SequentialLR', options: { schedulers: 'x', milestones: [] } }],
  ['ChainedScheduler extra', { scheduler: 'ChainedScheduler', options: { schedulers: [], lr: 1 } }],
] as const) {
  add('traceSchedule', {
    what,
    names: [
      '__proto__',
      'steps',
      'optimizer',
      'groups',
      'metrics',
      'constructor',
      'schedule',
      'rate',
      'totalSteps',
      'decaySteps',
      'decay_steps',
      'schedules',
      'options',
      'lr',
    ],
    run: () => traceSchedule(config as never),
    state: () => '',
  });
}

// Functional schedules called from code: every option broken in turn, every required one left out.
const FUNCTIONAL: [string, (o: never) => unknown, Record<string, unknown>, string[]][] = [
  ['decaying', schedules.decaying, { baseRate: 0.1, decay: 0.01 }, ['baseRate', 'decay']],
  ['compounding', schedules.compounding, { start: 1, stop: 4, compound: 1.1 }, ['start', 'stop', 'compound']],
  [
    'warmupLinear',
    schedules.warmupLinear,
    { initialRate: 0.1, warmupSteps: 2, totalSteps: 10 },
    ['initialRate', 'warmupSteps', 'totalSteps'],
  ],
  ['slantedTriangular', schedules.slantedTriangular, { maxRate: 0.1, numSteps: 10 }, ['maxRate', 'numSteps']],
  ['cyclicTriangular', schedules.cyclicTriangular, { minLr: 0.01, maxLr: 0.1, period: 4 }, ['minLr', 'maxLr', 'period']],
  ['constantThen', schedules.constantThen, { rate: 0.1, steps: 2, schedule: schedules.constant(0.1) }, ['rate', 'steps', 'schedule']],
  ['plateau', schedules.plateau, { maxPatience: 2, scale: 0.5, schedule: schedules.constant(0.1) }, ['maxPatience', 'scale', 'schedule']],
  ['cosineDecay', schedules.cosineDecay, { initValue: 0.1, decaySteps: 10 }, ['initValue', 'decaySteps']],
  [
    'warmupCosineDecay',
    schedules.warmupCosineDecay,
    { initValue: 0, peakValue: 0.1, warmupSteps: 2, decaySteps: 10 },
    ['initValue', 'peakValue', 'warmupSteps', 'decaySteps'],
  ],
  [
    'exponentialDecay',
    schedules.exponentialDecay,
    { initValue: 0.1, transitionSteps: 2, decayRate: 0.5 },
    ['initValue', 'transitionSteps', 'decayRate'],
  ],
  ['piecewiseConstant', schedules.piecewiseConstant, { initValue: 0.1, boundariesAndScales: { 2: 0.5 } }, ['initValue']],
];
for (const [name, make, valid, required] of FUNCTIONAL) {
  for (const key of Object.keys(valid)) {
    if (key === 'rate') continue; // constantThen's rate is any value (the schedule's type)
    add('schedule function', {
      what: `${name} ${key} = "x"`,
      names: [key],
      run: () => make({ ...valid, [key]: 'x' } as never),
      state: () => '',
    });
  }
  for (const key of required) {
    const { [key]: _drop, ...rest } = valid;
    add('schedule function', { what: `${name} without ${key}`, names: [key], run: () => make(rest as never), state: () => '' });
  }
  add('schedule function', {
    what: `${name} with warmup_steps_`,
    names: ['warmup_steps_'],
    run: () => make({ ...valid, warmup_steps_: 1 } as never),
    state: () => '',
  });
}

// 4. The registry's scheduler configs.
const REGISTRY_VALID: Record<string, Record<string, unknown>> = {
  step_lr: { step_size: 2 },
  multi_step_lr: { milestones: [2, 4] },
  exponential_lr: { gamma: 0.9 },
  cosine_annealing_lr: { T_max: 10 },
  cosine_annealing_warm_restarts: { T_0: 5 },
  cyclic_lr: { base_lr: 0.01, max_lr: 0.1 },
  one_cycle_lr: { max_lr: 0.1, total_steps: 10 },
  reduce_lr_on_plateau: { patience: 1 },
  polynomial_lr: { total_iters: 4 },
  linear_lr: {},
};
const REGISTRY_REQUIRED = new Set(['step_size', 'milestones', 'gamma', 'T_max', 'T_0', 'base_lr', 'max_lr']);
for (const name of ['constructor', '__proto__', 'toString', 'StepLR', 'step-lr']) {
  const opt = optimizer('sgd');
  add('registry', { what: `type ${name}`, names: [name], run: () => schedulerFromConfig(opt, { type: name }), state: () => groupsOf(opt) });
}
for (const [type, valid] of Object.entries(REGISTRY_VALID)) {
  const keys = Object.keys(valid);
  for (const key of keys) {
    const { [key]: _drop, ...rest } = valid;
    const opt = optimizer(type === 'cyclic_lr' ? 'adam' : 'sgd');
    if (REGISTRY_REQUIRED.has(key)) {
      add('registry', {
        what: `${type} without ${key}`,
        names: [key],
        run: () => schedulerFromConfig(opt, { type, ...rest }),
        state: () => groupsOf(opt),
      });
    }
    for (const bad of ['x', null, {}, key === 'milestones' ? [1.5] : [], true]) {
      const o2 = optimizer(type === 'cyclic_lr' ? 'adam' : 'sgd');
      add('registry', {
        what: `${type} ${key} = ${JSON.stringify(bad)}`,
        names: [key, key.replace(/_/g, '')],
        run: () => schedulerFromConfig(o2, { type, ...valid, [key]: bad }),
        state: () => groupsOf(o2),
      });
    }
  }
  for (const unknown of ['stepp', 'lr_lambda_', '__proto__', 'constructor']) {
    const opt = optimizer('sgd');
    const config = JSON.parse(JSON.stringify({ type, ...valid }));
    Object.defineProperty(config, unknown, { value: 1, enumerable: true, writable: true, configurable: true });
    add('registry', {
      what: `${type} with ${unknown}`,
      names: [unknown],
      run: () => schedulerFromConfig(opt, config),
      state: () => groupsOf(opt),
    });
  }
}

// 5. thinc config text.
const THINC = (body: string) => `[optimizer]\n${body}`;
for (const [what, text, names] of [
  ['SGD.v1 with beta1', THINC('@optimizers = "SGD.v1"\nlearn_rate = 0.1\nbeta1 = 0.9'), ['beta1']],
  ['SGD.v1 without learn_rate', THINC('@optimizers = "SGD.v1"'), ['learn_rate']],
  ['Adam.v1 with lrr', THINC('@optimizers = "Adam.v1"\nlrr = 0.1'), ['lrr']],
  ['Adam.v1 learn_rate text', THINC('@optimizers = "Adam.v1"\nlearn_rate = "fast"'), ['learn_rate']],
  ['Adam.v1 use_averages 3', THINC('@optimizers = "Adam.v1"\nuse_averages = 3'), ['use_averages']],
  ['Adam.v1 L2 null', THINC('@optimizers = "Adam.v1"\nL2 = null'), ['L2']],
  ['unknown optimizer', THINC('@optimizers = "Adamm.v1"'), ['Adamm.v1']],
  ['constructor optimizer', THINC('@optimizers = "constructor"'), ['constructor']],
  ['__proto__ optimizer', THINC('@optimizers = "__proto__"'), ['__proto__']],
  ['unknown registry', THINC('@optimizers = "Adam.v1"\n\n[optimizer.learn_rate]\n@foo = "x"'), ['@foo']],
  ['__proto__ key', THINC('@optimizers = "Adam.v1"\n__proto__ = 1'), ['__proto__']],
  ['constructor key', THINC('@optimizers = "Adam.v1"\nconstructor = 1'), ['constructor']],
  ['__proto__ section', `${THINC('@optimizers = "Adam.v1"')}\n\n[optimizer.__proto__]\nx = 1`, ['__proto__']],
  ['toString key', THINC('@optimizers = "Adam.v1"\ntoString = 1'), ['toString']],
  ['no optimizer section', '[training]\nx = 1', ['optimizer']],
  [
    'schedule unknown arg',
    THINC(
      '@optimizers = "Adam.v1"\n\n[optimizer.learn_rate]\n@schedules = "warmup_linear.v1"\ninitial_rate = 0.1\nwarmup_steps = 2\ntotal_steps = 10\ncycles = 3',
    ),
    ['cycles'],
  ],
  [
    'schedule missing arg',
    THINC('@optimizers = "Adam.v1"\n\n[optimizer.learn_rate]\n@schedules = "warmup_linear.v1"\ninitial_rate = 0.1'),
    ['warmup_steps'],
  ],
  [
    'schedule bad value',
    THINC('@optimizers = "Adam.v1"\n\n[optimizer.learn_rate]\n@schedules = "decaying.v1"\nbase_rate = "x"\ndecay = 0.1'),
    ['base_rate', 'baseRate'],
  ],
  ['schedule constant text', THINC('@optimizers = "Adam.v1"\n\n[optimizer.learn_rate]\n@schedules = "constant.v1"\nrate = "x"'), ['rate']],
  ['unknown schedule', THINC('@optimizers = "Adam.v1"\n\n[optimizer.learn_rate]\n@schedules = "hasOwnProperty"'), ['hasOwnProperty']],
  ['dangling reference', THINC(`@optimizers = "Adam.v1"\nlearn_rate = $\{training.lr}`), ['training.lr']],
  ['two registries', THINC('@optimizers = "Adam.v1"\n@schedules = "constant.v1"'), ['@optimizers', '@schedules']],
] as const) {
  add('thinc', { what, names: [...names], run: () => thincOptimizerFromConfig(text), state: () => '' });
}
for (let i = 0; i < 40; i++) {
  const opt = pick(['Adam.v1', 'RAdam.v1', 'SGD.v1']);
  const key = pick(['learn_rate', 'L2', 'beta1', 'beta2', 'eps', 'grad_clip', 'L2_is_weight_decay', 'use_averages']);
  const value = pick(['"fast"', 'null', '[]', '{"a": 1}', '"yes"']);
  if (opt === 'SGD.v1' && (key === 'beta1' || key === 'beta2' || key === 'eps')) continue;
  if (value === '[]' && !key.startsWith('L2_') && key !== 'use_averages') continue; // an empty schedule list is checked later
  add('thinc', {
    what: `${opt} ${key} = ${value}`,
    names: [key],
    run: () =>
      thincOptimizerFromConfig(THINC(`@optimizers = "${opt}"\n${key === 'learn_rate' ? '' : 'learn_rate = 0.1\n'}${key} = ${value}`)),
    state: () => '',
  });
}

describe('seeded fuzz of bad inputs (schedulers, state dicts, configs, thinc text, expressions)', () => {
  let warn: ReturnType<typeof vi.spyOn>;
  beforeAll(() => {
    warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  });
  afterAll(() => warn.mockRestore());

  it(`generates at least 400 bad inputs (${cases.length})`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(400);
  });

  it('every bad input fails with a tsoptim error naming the option or key, and changes nothing', () => {
    const problems: string[] = [];
    for (const c of cases) {
      results.tried++;
      const before = c.state();
      let error: unknown = null;
      try {
        c.run();
      } catch (e) {
        error = e;
      }
      const after = c.state();
      if (error === null) {
        problems.push(`${c.what}: accepted`);
        continue;
      }
      if (!TsoptimError.isInstance(error)) {
        problems.push(`${c.what}: native ${(error as Error)?.name}: ${(error as Error)?.message}`);
        continue;
      }
      const message = norm((error as Error).message);
      if (!c.names.some((n) => message.includes(norm(n))))
        problems.push(`${c.what}: message does not name ${c.names.join(' / ')}: ${(error as Error).message}`);
      if (before !== after) problems.push(`${c.what}: state changed`);
    }
    expect(problems).toEqual([]);
  });
});
