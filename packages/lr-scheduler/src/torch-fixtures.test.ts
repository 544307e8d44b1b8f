import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  FIXTURE_FILES,
  buildOptimizer,
  buildScheduler,
  caseLength,
  loadCases,
  relClose,
  snapshot,
  stepCase,
} from './internal/fixture-cases.js';

// torch 1.13 keys that current PyTorch no longer has (it dropped `verbose`, and saves `_anneal_func_type`
// instead of the bound `anneal_func`, and no `_scale_fn_ref`).
const DROPPED = new Set(['verbose', 'anneal_func', '_scale_fn_ref']);

let warn: ReturnType<typeof vi.spyOn>;
beforeAll(() => {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterAll(() => warn.mockRestore());

function expectRows(actual: number[][], expected: number[][], what: string): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((row, t) => {
    row.forEach((v, i) => {
      if (!relClose(actual[t]![i]!, v)) {
        throw new Error(
          `${what} at step ${t}, group ${i}: got ${actual[t]![i]}, torch ${v} (relative error ${Math.abs(actual[t]![i]! - v) / Math.abs(v)})`,
        );
      }
    });
  });
}

describe.each(FIXTURE_FILES)('%s matches torch 1.13', (file) => {
  it.each(loadCases(file).map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const opt = buildOptimizer(c.optimizer);
    const sched = buildScheduler(opt, c.scheduler, c.options);
    const lr: number[][] = [];
    const mom: number[][] = [];
    const closed: number[][] = [];
    const record = () => {
      const s = snapshot(opt, c);
      lr.push(s.lr);
      if (s.momentum) mom.push(s.momentum);
      if (c.closed) closed.push(sched.closedFormLr!());
    };
    record();
    for (let t = 0; t < caseLength(c); t++) {
      stepCase(opt, sched, c, t);
      record();
      if (c.scheduler !== 'ReduceLROnPlateau') expect(sched.getLastLr()).toEqual(lr[lr.length - 1]);
    }
    expectRows(lr, c.lr, 'lr');
    if (c.momentum) expectRows(mom, c.momentum, c.momentum_key!);
    if (c.closed) expectRows(closed, c.closed, 'closed form');
    if (c.torch_1_13_error !== undefined) {
      // Current PyTorch's wording: the count is the epoch index that failed.
      const before = sched.getLastLr();
      expect(() => sched.step()).toThrow(`Tried to step ${c.steps + 1} times. The specified number of total steps is ${c.steps}`);
      expect(sched.getLastLr()).toEqual(before);
      expect(sched.lastEpoch).toBe(c.steps);
    }
    const keys = Object.keys(sched.stateDict());
    for (const k of c.state_dict_keys) if (!DROPPED.has(k)) expect(keys).toContain(k);
  });
});
