import type { Optimizer } from '@tsoptim/optim';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  FIXTURE_FILES,
  type SchedulerCase,
  buildOptimizer,
  buildScheduler,
  caseLength,
  loadCases,
  snapshot,
  stepCase,
} from './internal/fixture-cases.js';
import type { LRScheduler } from './lr-scheduler.js';

// Resuming must give exactly the uninterrupted run — lr, momentum and the parameters — whatever the order in
// which the optimizer's and the scheduler's state are restored (pytorch#60265, #119168, #162591).

let warn: ReturnType<typeof vi.spyOn>;
beforeAll(() => {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterAll(() => warn.mockRestore());

type Row = { lr: number[]; momentum?: number[]; params: number[] };

function row(opt: Optimizer, c: SchedulerCase): Row {
  return { ...snapshot(opt, c), params: opt.paramGroups.flatMap((g) => g.params.map((p) => p.item())) };
}

function build(c: SchedulerCase): { opt: Optimizer; sched: LRScheduler } {
  const opt = buildOptimizer(c.optimizer);
  return { opt, sched: buildScheduler(opt, c.scheduler, c.options) };
}

const roundTrip = <T>(x: T): T => JSON.parse(JSON.stringify(x));

type Order = 'optimizer, then scheduler' | 'scheduler, then optimizer' | 'optimizer, then a new scheduler';
const ORDERS: Order[] = ['optimizer, then scheduler', 'scheduler, then optimizer', 'optimizer, then a new scheduler'];

function resume(c: SchedulerCase, at: number, order: Order): Row[] {
  const a = build(c);
  for (let t = 0; t < at; t++) stepCase(a.opt, a.sched, c, t);
  const optSd = roundTrip(a.opt.stateDict());
  const schedSd = roundTrip(a.sched.stateDict());
  const params = a.opt.paramGroups.map((g) => g.params.map((p) => p.item()));

  let opt: Optimizer;
  let sched: LRScheduler;
  if (order === 'optimizer, then a new scheduler') {
    opt = buildOptimizer(c.optimizer);
    opt.loadStateDict(optSd);
    sched = buildScheduler(opt, c.scheduler, c.options);
    sched.loadStateDict(schedSd);
  } else {
    ({ opt, sched } = build(c));
    if (order === 'optimizer, then scheduler') {
      opt.loadStateDict(optSd);
      sched.loadStateDict(schedSd);
    } else {
      sched.loadStateDict(schedSd);
      opt.loadStateDict(optSd);
    }
  }
  opt.paramGroups.forEach((g, i) => g.params.forEach((p, j) => p.assign([params[i]![j]!])));
  const rows = [row(opt, c)];
  for (let t = at; t < caseLength(c); t++) {
    stepCase(opt, sched, c, t);
    rows.push(row(opt, c));
  }
  return rows;
}

describe.each(FIXTURE_FILES)('%s resumes exactly', (file) => {
  const cases = loadCases(file).filter((c) => caseLength(c) >= 2);
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const { opt, sched } = build(c);
    const full = [row(opt, c)];
    for (let t = 0; t < caseLength(c); t++) {
      stepCase(opt, sched, c, t);
      full.push(row(opt, c));
    }
    const n = caseLength(c);
    for (const at of new Set([1, Math.floor(n / 2), n - 1])) {
      for (const order of ORDERS) {
        const rows = resume(c, at, order);
        expect(rows, `resumed at ${at}, ${order}`).toEqual(full.slice(at));
      }
    }
  });
});
