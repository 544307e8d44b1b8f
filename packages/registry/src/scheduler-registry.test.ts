import { TypeError_, ValueError, parameter } from '@tsoptim/core';
import { ReduceLROnPlateau, StepLR } from '@tsoptim/lr-scheduler';
import { SGD } from '@tsoptim/optim';
import { describe, expect, it } from 'vitest';
import { createSchedulerRegistry, schedulerFromConfig, schedulerRegistry } from './index.js';

const sgd = () => new SGD([parameter([1])], { lr: 0.1, momentum: 0.9 });

const CONFIGS: Record<string, Record<string, unknown>> = {
  lambda_lr: { lr_lambda: (e: number) => 0.9 ** e },
  multiplicative_lr: { lr_lambda: () => 0.9 },
  step_lr: { step_size: 2 },
  step: { step_size: 2 },
  multi_step_lr: { milestones: [2, 4] },
  multi_step: { milestones: [2, 4] },
  constant_lr: {},
  linear_lr: {},
  exponential_lr: { gamma: 0.9 },
  exponential: { gamma: 0.9 },
  polynomial_lr: { total_iters: 4 },
  cosine_annealing_lr: { T_max: 10 },
  cosine_annealing_warm_restarts: { T_0: 5 },
  cyclic_lr: { base_lr: 0.01, max_lr: 0.1 },
  one_cycle_lr: { max_lr: 0.1, total_steps: 10 },
  reduce_lr_on_plateau: { patience: 1 },
  reduce_on_plateau: { patience: 1 },
  sequential_lr: { schedulers: [{ type: 'constant_lr' }, { type: 'exponential_lr', gamma: 0.5 }], milestones: [2] },
  chained_scheduler: {
    schedulers: [
      { type: 'step_lr', step_size: 1 },
      { type: 'exponential_lr', gamma: 0.5 },
    ],
  },
};

describe('the scheduler registry', () => {
  it("holds every torch scheduler under its snake_case name and AllenNLP's aliases", () => {
    expect(schedulerRegistry.names()).toEqual(Object.keys(CONFIGS).sort());
  });

  it('builds every scheduler from a config', () => {
    for (const [type, options] of Object.entries(CONFIGS)) {
      const sched = schedulerFromConfig(sgd(), { type, ...options });
      expect(sched, type).toBeDefined();
    }
    expect(schedulerFromConfig(sgd(), { type: 'reduce_on_plateau' })).toBeInstanceOf(ReduceLROnPlateau);
  });

  it("drives the lr as torch's StepLR", () => {
    const opt = sgd();
    const sched = schedulerFromConfig(opt, { type: 'step', step_size: 2, gamma: 0.5 });
    expect(sched).toBeInstanceOf(StepLR);
    const lrs: number[] = [];
    for (let i = 0; i < 5; i++) {
      lrs.push(opt.paramGroups[0]!.lr as number);
      opt.step();
      sched.step();
    }
    expect(lrs).toEqual([0.1, 0.1, 0.05, 0.05, 0.025]);
  });

  it('names every error', () => {
    expect(() => schedulerFromConfig(sgd(), { type: 'stepp' })).toThrow('unknown scheduler "stepp"; known: chained_scheduler, constant_lr');
    expect(() => schedulerFromConfig(sgd(), { type: 'step_lr', step_size: 2, gama: 0.5 })).toThrow(
      new ValueError(
        'invalid option "gama" for scheduler "step_lr"; valid options: lastEpoch, groups, stepSize, gamma; did you mean "gamma"?',
      ),
    );
    expect(() => schedulerFromConfig(sgd(), { type: 'step_lr' })).toThrow(
      new ValueError('missing option "step_size" for scheduler "step_lr"'),
    );
    expect(() => schedulerFromConfig(sgd(), { type: 'lambda_lr', lr_lambda: '0.9 ** epoch' })).toThrow(TypeError_);
    expect(() => schedulerFromConfig(sgd(), { type: 'sequential_lr', schedulers: [{ type: 'nope' }], milestones: [] })).toThrow(
      'unknown scheduler "nope"',
    );
    expect(() => schedulerFromConfig(sgd(), { type: 'exponential_lr', gamma: 0.5, last_epoch: 3 })).toThrow(
      /^scheduler "exponential_lr": /,
    );
    expect(() => schedulerFromConfig(sgd(), { type: 5 } as never)).toThrow(TypeError_);
    expect(() => schedulerFromConfig(sgd(), null as never)).toThrow('a scheduler config must be an object, got null');
  });

  it('registers user schedulers in a registry of their own', () => {
    const registry = createSchedulerRegistry().register('halving', {
      create: (o) => new StepLR(o, { stepSize: 1, gamma: 0.5 }),
      options: [],
    });
    expect(schedulerFromConfig(sgd(), { type: 'halving' }, { registry })).toBeInstanceOf(StepLR);
    expect(schedulerRegistry.has('halving')).toBe(false);
  });
});
