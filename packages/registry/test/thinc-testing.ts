/** Test helpers: runs a thinc fixture case through a keyed optimizer. */
import { tensor } from '@tsoptim/core';
import { firstMismatch } from '@tsoptim/testkit';
import { expect } from 'vitest';
import type { KeyedOptimizer } from '../src/thinc-optimizer.js';

export interface ThincCase {
  name: string;
  options: Record<string, unknown>;
  shapes: number[][];
  weights: number[][];
  config?: string;
  steps: { grads: number[][]; lr_scale: number[]; weights: number[][]; averages: (number[] | null)[]; learn_rate: number }[];
}
export function expectClose(what: string, got: ArrayLike<number>, expected: readonly number[]): void {
  const bad = firstMismatch(got, expected, 1e-6, 2e-5);
  if (bad) expect.fail(`${what}: element ${bad.index}: got ${bad.actual}, expected ${bad.expected}`);
}

/** Runs a fixture case through `opt` and compares weights, zeroed gradients, averages and the learning rate. */
export function runThincCase(c: ThincCase, opt: KeyedOptimizer): void {
  const ws = c.weights.map((w, i) => tensor(w, { shape: c.shapes[i]! }));
  c.steps.forEach((step, t) => {
    expect(opt.learnRate).toBeCloseTo(step.learn_rate, 12);
    step.grads.forEach((g, i) => {
      const grad = tensor(g, { shape: c.shapes[i]! });
      opt(`p${i}`, ws[i]!, grad, { lrScale: step.lr_scale[i]! });
      expect(Array.from(grad.data).every((x) => x === 0)).toBe(true);
      expectClose(`${c.name} step ${t} weights ${i}`, ws[i]!.data, step.weights[i]!);
      const avg = step.averages[i];
      if (avg === null || avg === undefined) expect(opt.average(`p${i}`)).toBeNull();
      else expectClose(`${c.name} step ${t} average ${i}`, opt.average(`p${i}`)!.data, avg);
    });
    opt.stepSchedules();
  });
}
