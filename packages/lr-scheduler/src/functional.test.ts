import { parameter } from '@tsoptim/core';
import { SGD } from '@tsoptim/optim';
import { loadFixture } from '@tsoptim/testkit';
import { describe, expect, it } from 'vitest';
import { relClose } from './internal/fixture-cases.js';
import * as optax from './optax-schedules.js';
import type { Schedule, ScheduleLike } from './schedule.js';
import * as thinc from './thinc-schedules.js';

interface Call {
  fn: string;
  args: unknown[];
}
interface FunctionalCase extends Call {
  source: string;
  values: number[];
  calls?: [number, number | null, number | null][];
}

const FNS: Record<string, (...a: any[]) => Schedule> = { ...thinc, ...optax } as never;

/** Builds a schedule from the fixture's `{ fn, args }`, nested calls included. */
function build(c: Call): Schedule {
  const resolve = (a: unknown): unknown => {
    if (Array.isArray(a)) return a.map(resolve);
    if (typeof a === 'object' && a !== null) {
      if ('fn' in a && 'args' in a) return build(a as Call);
      return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, resolve(v)]));
    }
    return a;
  };
  return FNS[c.fn]!(...(c.args.map(resolve) as unknown[]));
}

const fixture = loadFixture<{ steps: number[]; cases: FunctionalCase[] }>('schedulers', 'functional');

describe("thinc's and optax's schedules match the reference formulas", () => {
  it.each(fixture.cases.map((c, i) => [`${c.fn} #${i}`, c] as const))('%s', (_n, c) => {
    const s = build(c);
    const got = c.calls
      ? c.calls.map(([step, scoreStep, score]) => s(step, { lastScore: scoreStep === null ? null : [scoreStep, score!] }))
      : fixture.steps.map((t) => s(t));
    got.forEach((v, i) => {
      if (!relClose(v, c.values[i]!)) throw new Error(`step ${i}: got ${v}, reference ${c.values[i]} (${c.source})`);
    });
  });
});

describe('schedules as functions of the step', () => {
  it("thinc's checks: a negative step, and a plateau score from the past", () => {
    expect(() => thinc.constant(1)(-1)).toThrow('Step must be non-negative, was: -1');
    const p = thinc.plateau({ maxPatience: 1, scale: 0.5, schedule: thinc.constant(1) });
    p(0, { lastScore: [10, 0.5] });
    expect(() => p(1, { lastScore: [5, 0.4] })).toThrow('Expected score with step >= 10, was: 5');
  });

  it("optax's checks", () => {
    expect(() => optax.cosineDecay({ initValue: 1, decaySteps: 0 })).toThrow(
      'The cosine_decay_schedule requires positive decay_steps, got decay_steps=0.',
    );
    expect(() => optax.piecewiseConstant({ initValue: 1, boundariesAndScales: { 3: -1 } })).toThrow(
      '`piecewise_constant_schedule` expects non-negative scale factors',
    );
  });

  it('a plateau schedule drives an optimizer option through its lastScore', () => {
    // lr = 0.5^plateaus · 0.5; p ← p − lr with g = 1 (values exact in float32)
    const lr = thinc.plateau({ maxPatience: 1, scale: 0.5, schedule: thinc.constant(0.5) });
    const p = parameter([4]);
    const opt = new SGD([p], { lr: lr as ScheduleLike as never });
    const step = () => {
      p.setGrad([1]);
      opt.step();
      return p.item();
    };
    expect(step()).toBe(3.5); // no score yet: lr 0.5
    lr.lastScore = [1, 0.9];
    expect(step()).toBe(3); // first score is the best: lr 0.5
    lr.lastScore = [2, 0.8];
    expect(step()).toBe(2.75); // worse, patience 1 = max: one plateau, lr 0.25
    expect(step()).toBe(2.5); // same score step again: no change
    expect((lr.attrs.state as { nPlateaus: number }).nPlateaus).toBe(1);
  });

  it('toGenerator and any schedule as an SGD momentum option', () => {
    expect([...take(thinc.cyclicTriangular({ minLr: 0, maxLr: 1, period: 2 }).toGenerator(0, 1), 4)]).toEqual([0.5, 1, 0.5, 0]);
    // momentum = compounding 0.25 → 0.5 (×2 per step, clipped): b = g, then 0.5·b + g; lr 0.5, g = 1
    const p = parameter([1]);
    const opt = new SGD([p], { lr: 0.5, momentum: thinc.compounding({ start: 0.25, stop: 0.5, compound: 2 }) as never });
    const got = [0, 1, 2].map(() => {
      p.setGrad([1]);
      opt.step();
      return p.item();
    });
    // b: 1, 1.5, 1.75 → p: 0.5, −0.25, −1.125
    expect(got).toEqual([0.5, -0.25, -1.125]);
  });
});

function* take<T>(g: Iterator<T>, n: number): Generator<T> {
  for (let i = 0; i < n; i++) yield g.next().value as T;
}
