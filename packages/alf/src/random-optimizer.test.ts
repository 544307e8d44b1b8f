import { TypeError_, ValueError, tensor, zeros } from '@tsoptim/core';
import { describe, expect, it } from 'vitest';
import { expectClose, fixture, quadratic } from '../test/testing.js';
import { RandomOptimizer } from './random-optimizer.js';

describe('RandomOptimizer', () => {
  it('matches the float64 reference with the same random stream', () => {
    const fx = fixture('random_quadratic');
    let seen: number[] = [];
    const cost = quadratic(fx.targets, fx.D);
    const opt = new RandomOptimizer({
      solutionDim: fx.D,
      populationSize: fx.P,
      lowerBound: fx.lowerBound,
      upperBound: fx.upperBound,
      seed: fx.seed,
      costFn: (o, x) => {
        seen = Array.from(x.data.subarray(0, 3 * fx.D));
        return tensor(cost(o, x), { shape: [fx.B, fx.P] });
      },
    });
    const sol = opt.obtainSolution(zeros([fx.B, 5]));
    expectClose(seen, fx.first_samples, 'samples', 1e-6, 1e-6);
    expectClose(sol, fx.solution, 'solution', 1e-6, 1e-6);
    opt.reset();
    expect(Array.from(opt.obtainSolution(zeros([fx.B, 5])).data)).toEqual(Array.from(sol.data));
  });

  it('stays within the bounds and validates its options', () => {
    const opt = new RandomOptimizer({
      solutionDim: 1,
      populationSize: 50,
      lowerBound: [2],
      upperBound: [3],
      costFn: (_o, x) => Array.from(x.data),
    });
    const s = opt.obtainSolution(zeros([3, 1]));
    for (const v of s.data) expect(v >= 2 && v < 2.1).toBe(true);
    const base = { solutionDim: 1, populationSize: 5, lowerBound: 0, upperBound: 1, costFn: () => [1] };
    expect(() => new RandomOptimizer({ ...base, populationSize: 0 })).toThrow(ValueError);
    expect(() => new RandomOptimizer({ ...base, lowerBound: Number.NaN })).toThrow(ValueError);
    expect(() => new RandomOptimizer({ ...base, costFn: null as never })).toThrow(TypeError_);
    expect(() => new RandomOptimizer(base).obtainSolution(zeros([1]))).toThrow(ValueError);
  });
});
