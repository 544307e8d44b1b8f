import { TypeError_, ValueError, tensor, zeros } from '@tsoptim/core';
import { describe, expect, it } from 'vitest';
import { CEMOptimizer } from './cem-optimizer.js';
import { expectClose, fixture, quadratic } from '../test/testing.js';

describe('CEMOptimizer', () => {
  for (const name of ['cem_quadratic', 'cem_epsilon_stop']) {
    it(`matches the float64 reference with the same random stream (${name})`, () => {
      const fx = fixture(name);
      let iterations = 0;
      const cost = quadratic(fx.targets, fx.D);
      const cem = new CEMOptimizer({
        solutionDim: fx.D,
        populationSize: fx.P,
        eliteSize: fx.eliteSize,
        maxIterNum: fx.maxIterNum,
        epsilon: fx.epsilon,
        tau: fx.tau,
        minVar: fx.minVar,
        lowerBound: fx.lowerBound,
        upperBound: fx.upperBound,
        seed: fx.seed,
        costFn: (o, x) => {
          iterations++;
          return cost(o, x);
        },
      });
      const sol = cem.obtainSolution(zeros([fx.B, 1]));
      expect(sol.shape).toEqual([fx.B, fx.D]);
      expect(iterations).toBe(fx.iterations);
      expectClose(sol, fx.solution, name, 1e-4, 1e-3);
    });
  }

  it('finds the optimum of a quadratic and is reproducible for a seed', () => {
    const make = (seed: number) =>
      new CEMOptimizer({
        solutionDim: 2,
        populationSize: 200,
        eliteSize: 20,
        maxIterNum: 30,
        epsilon: 1e-6,
        lowerBound: -3,
        upperBound: 3,
        seed,
        costFn: quadratic([1, -0.5], 2),
      });
    const a = make(5).obtainSolution(zeros([1, 1]));
    expect(a.data[0]).toBeCloseTo(1, 2);
    expect(a.data[1]).toBeCloseTo(-0.5, 2);
    expect(Array.from(make(5).obtainSolution(zeros([1, 1])).data)).toEqual(Array.from(a.data));
    expect(Array.from(make(6).obtainSolution(zeros([1, 1])).data)).not.toEqual(Array.from(a.data));
    const c = make(5);
    const first = Array.from(c.obtainSolution(zeros([1, 1])).data);
    c.reset();
    expect(Array.from(c.obtainSolution(zeros([1, 1])).data)).toEqual(first);
  });

  it('accepts an initial mean and variance, and stops at once when the variance is already small', () => {
    const cem = new CEMOptimizer({
      solutionDim: 2,
      populationSize: 10,
      eliteSize: 2,
      lowerBound: -1,
      upperBound: 1,
      costFn: () => new Array(10).fill(0),
    });
    const sol = cem.obtainSolution(zeros([1, 1]), { initMean: tensor([[[0.25, -0.25]]]), initVar: tensor([[[0.001, 0.001]]]) });
    expect(Array.from(sol.data)).toEqual([0.25, -0.25]);
    expect(() => cem.obtainSolution(zeros([1, 1]), { initMean: tensor([[0.25, -0.25]]) })).toThrow(ValueError);
  });

  it('validates its options and the costs', () => {
    const base = { solutionDim: 2, populationSize: 10, eliteSize: 3, lowerBound: -1, upperBound: 1, costFn: () => [] as number[] };
    expect(() => new CEMOptimizer({ ...base, solutionDim: 0 })).toThrow(ValueError);
    expect(() => new CEMOptimizer({ ...base, populationSize: 2.5 })).toThrow(ValueError);
    expect(() => new CEMOptimizer({ ...base, eliteSize: 1 })).toThrow(ValueError);
    expect(() => new CEMOptimizer({ ...base, eliteSize: 11 })).toThrow('eliteSize (11) must not exceed populationSize (10)');
    expect(() => new CEMOptimizer({ ...base, maxIterNum: -1 })).toThrow(ValueError);
    expect(() => new CEMOptimizer({ ...base, epsilon: -1 })).toThrow('epsilon must be non-negative, got -1');
    expect(() => new CEMOptimizer({ ...base, tau: 0 })).toThrow('tau must be in (0, 1], got 0');
    expect(() => new CEMOptimizer({ ...base, minVar: -1 })).toThrow(ValueError);
    expect(() => new CEMOptimizer({ ...base, lowerBound: 2 })).toThrow('lowerBound 2 is above upperBound 1 at dimension 0');
    expect(() => new CEMOptimizer({ ...base, upperBound: [1, 2, 3] })).toThrow(
      'upperBound has 3 values, but the solution has 2 dimensions',
    );
    expect(() => new CEMOptimizer({ ...base, costFn: 3 as never })).toThrow(TypeError_);
    const cem = new CEMOptimizer(base);
    expect(() => cem.obtainSolution(zeros([1, 1]))).toThrow('the cost function must return [1, 10] costs, got 0 values');
    expect(() => cem.obtainSolution({ shape: [] } as never)).toThrow(ValueError);
  });
});
