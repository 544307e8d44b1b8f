import { TypeError_, ValueError, tensor } from '@tsoptim/core';
import { loadFixture } from '@tsoptim/testkit';
import { describe, expect, it } from 'vitest';
import { ThincOptimizer, createThincScheduleRegistry, parseThincConfig, thincOptimizerFromConfig, thincOptimizers } from './index.js';
import { type ThincCase, runThincCase } from '../test/thinc-testing.js';

const fx = loadFixture<{ cases: ThincCase[] }>('registry', 'thinc_optimizer');
const fixtureCase = (name: string) => fx.cases.find((c) => c.name === name)!;

describe('parseThincConfig', () => {
  it('nests dotted sections and decodes JSON values', () => {
    const cfg = parseThincConfig(`
[vars]
lr = 0.002
# a comment
[optimizer]
@optimizers = "Adam.v1"
learn_rate = \${vars.lr}
L2_is_weight_decay = false
use_averages = true
tag = plain text
steps = [1, 2, 3]
nothing = null
label = "rate \${vars.lr}"

[optimizer.grad_clip]
@schedules = "constant.v1"
rate = 1e-1
`);
    expect(cfg).toEqual({
      vars: { lr: 0.002 },
      optimizer: {
        '@optimizers': 'Adam.v1',
        learn_rate: 0.002,
        L2_is_weight_decay: false,
        use_averages: true,
        tag: 'plain text',
        steps: [1, 2, 3],
        nothing: null,
        label: 'rate 0.002',
        grad_clip: { '@schedules': 'constant.v1', rate: 0.1 },
      },
    });
  });

  it('rejects malformed configs, naming what is wrong', () => {
    expect(() => parseThincConfig('[optimizer.learn_rate]\nrate = 1')).toThrow("Section 'optimizer' is not defined");
    expect(() => parseThincConfig('lr = 1\n[optimizer]\nx = 1')).toThrow('Found config values without a top-level section: "lr"');
    const ref = '$' + '{b.c}';
    expect(() => parseThincConfig(`[a]\nx = ${ref}`)).toThrow(`the config refers to ${ref}, which is not defined`);
    expect(() => parseThincConfig('[a]\nb = 1\n[a.b]\nc = 2')).toThrow(ValueError);
    expect(() => parseThincConfig(3 as never)).toThrow(TypeError_);
  });
});

describe('thincOptimizerFromConfig', () => {
  it('builds SGD.v1 and RAdam.v1 that match the reference', () => {
    runThincCase(
      fixtureCase('sgd'),
      thincOptimizerFromConfig('[optimizer]\n@optimizers = "SGD.v1"\nlearn_rate = 0.1\nL2 = 0.01\ngrad_clip = 1.0\n'),
    );
    runThincCase(
      fixtureCase('radam_beta2_0.9_decay'),
      thincOptimizerFromConfig('[optimizer]\n@optimizers = "RAdam.v1"\nlearn_rate = 0.02\nbeta2 = 0.9\nL2 = 0.05\n'),
    );
  });

  it("takes Adam.v1's defaults and a nested section", () => {
    const opt = thincOptimizerFromConfig('[training]\n[training.optimizer]\n@optimizers = "Adam.v1"\n', { section: 'training.optimizer' });
    expect(opt).toBeInstanceOf(ThincOptimizer);
    expect([
      opt.learnRate,
      opt.beta1,
      opt.beta2,
      opt.eps,
      opt.gradClip,
      opt.l2,
      opt.l2IsWeightDecay,
      opt.useAverages,
      opt.useRadam,
    ]).toEqual([0.001, 0.9, 0.999, 1e-8, 1, 0, true, true, false]);
    const w = tensor([1, -1]);
    opt(['x', 'W'], w, tensor([0.5, 0.5]));
    expect(w.data[0]).toBeLessThan(1);
  });

  it('wires plateau.v1 to lastScore', () => {
    const opt = thincOptimizerFromConfig(`
[optimizer]
@optimizers = "SGD.v1"

[optimizer.learn_rate]
@schedules = "plateau.v1"
max_patience = 1
scale = 0.5

[optimizer.learn_rate.schedule]
@schedules = "constant.v1"
rate = 0.2
`);
    opt.lastScore = 1;
    opt.stepSchedules();
    opt.lastScore = 0.5;
    expect(opt.learnRate).toBeCloseTo(0.1, 12);
  });

  it('accepts user-registered optimizers and schedules', () => {
    thincOptimizers.register('Halved.v1', {
      args: ['learn_rate'],
      create: (a) => thincOptimizers.get('SGD.v1').create({ learn_rate: (a.learn_rate as number) / 2 }),
    });
    try {
      const schedules = createThincScheduleRegistry().register('ten.v1', { args: [], create: () => (() => 10) as never });
      const opt = thincOptimizerFromConfig('[optimizer]\n@optimizers = "Halved.v1"\nlearn_rate = 0.5\n', { schedules });
      expect(opt.learnRate).toBe(0.25);
      const ten = thincOptimizerFromConfig('[optimizer]\n@optimizers = "Adam.v1"\n[optimizer.eps]\n@schedules = "ten.v1"\n', { schedules });
      expect(ten.eps).toBe(10);
    } finally {
      thincOptimizers.unregister('Halved.v1');
    }
  });

  it('names every error', () => {
    const build = (text: string) => () => thincOptimizerFromConfig(text);
    expect(build('[optimizer]\n@optimizers = "Adamm.v1"')).toThrow('unknown thinc optimizer "Adamm.v1"; known: Adam.v1, RAdam.v1, SGD.v1');
    expect(build('[optimizer]\n@optimizers = "Adam.v1"\nlrr = 0.1')).toThrow(
      'invalid option "lrr" for optimizer "Adam.v1" in [optimizer]; valid options: learn_rate, L2, beta1, beta2, eps, grad_clip, L2_is_weight_decay, use_averages',
    );
    expect(build('[optimizer]\n@optimizers = "SGD.v1"\nbeta1 = 0.9')).toThrow('invalid option "beta1" for optimizer "SGD.v1"');
    expect(build('[optimizer]\n@optimizers = "SGD.v1"')).toThrow('missing option "learn_rate" for optimizer "SGD.v1" in [optimizer]');
    expect(build('[optimizer]\n@optimizers = "Adam.v1"\nlearn_rate = fast')).toThrow(
      'invalid value "fast" for option "learn_rate" of optimizer "Adam.v1": expected a number or a schedule, got string',
    );
    expect(build('[optimizer]\n@optimizers = "Adam.v1"\nuse_averages = 1')).toThrow(
      'invalid value 1 for option "use_averages" of optimizer "Adam.v1": expected true or false, got number',
    );
    expect(build('[optimizer]\n@optimizers = "Adam.v1"\n[optimizer.learn_rate]\n@schedules = "warmup.v1"')).toThrow(
      'unknown thinc schedule "warmup.v1"; known: compounding.v1, constant.v1',
    );
    expect(
      build('[optimizer]\n@optimizers = "Adam.v1"\n[optimizer.learn_rate]\n@schedules = "warmup_linear.v1"\ninitial_rate = 0.1'),
    ).toThrow('missing option "warmup_steps" for schedule "warmup_linear.v1" in [optimizer.learn_rate]');
    expect(build('[optimizer]\n@optimizers = "Adam.v1"\n[optimizer.learn_rate]\n@layers = "x.v1"')).toThrow(
      '[optimizer.learn_rate] refers to an unknown registry "@layers"; known: @optimizers, @schedules',
    );
    expect(build('[model]\nwidth = 3')).toThrow('the config has no [optimizer] section; sections: [model]');
    expect(build('[optimizer]\nlearn_rate = 0.1')).toThrow('[optimizer] is not an optimizer block');
    expect(build('[optimizer]\n@optimizers = "Adam.v1"\nlearn_rate = []')).toThrow(TypeError_);
  });
});

describe('create() checks what the config path checks', () => {
  it('SGD.v1 given beta1 is rejected on both paths, never built as an Adam', () => {
    const sgd = thincOptimizers.get('SGD.v1');
    expect(() => sgd.create({ learn_rate: 0.1, beta1: 0.9 })).toThrow('invalid option "beta1" for optimizer "SGD.v1"');
    expect(() => thincOptimizerFromConfig('[optimizer]\n@optimizers = "SGD.v1"\nlearn_rate = 0.1\nbeta1 = 0.9')).toThrow(
      'invalid option "beta1"',
    );
    expect(() => sgd.create({})).toThrow('missing option "learn_rate" for optimizer "SGD.v1"');
  });
  it('schedules reject unknown and missing arguments in create() too', () => {
    const warmup = createThincScheduleRegistry().get('warmup_linear.v1');
    expect(() => warmup.create({ initial_rate: 0.1, warmup_steps: 2, total_steps: 10, warmup: 3 })).toThrow('invalid option "warmup"');
    expect(() => warmup.create({ initial_rate: 0.1 })).toThrow('missing option "warmup_steps"');
  });
  it('a __proto__ or constructor key in a config is an unknown option', () => {
    expect(() => thincOptimizerFromConfig('[optimizer]\n@optimizers = "Adam.v1"\n__proto__ = 1')).toThrow(
      /invalid option "__proto__"|__proto__/,
    );
    expect(() => thincOptimizerFromConfig('[optimizer]\n@optimizers = "Adam.v1"\nconstructor = 1')).toThrow('invalid option "constructor"');
    expect(() => thincOptimizerFromConfig('[optimizer]\n@optimizers = "constructor"')).toThrow('unknown thinc optimizer "constructor"');
  });
});
