import { Parameter, tensor } from '@tsoptim/core';
import { camelKeys, isClose, loadFixture } from '@tsoptim/testkit';
import type { Optimizer } from '@tsoptim/optim';
import { describe, expect, it } from 'vitest';
import { AdamWarmup } from './adam-warmup.js';
import { AdamWarmupCosineDecay } from './adam-warmup-cosine-decay.js';
import { Noam } from './noam.js';
import { LabmlRAdam } from './radam.js';

/** The first group's options as the next step uses them. */
const plainGroup = <O extends object>(opt: Optimizer<O> | { currentOptions(group: number): unknown }): O => opt.currentOptions(0) as O;

/** Written by tooling/fixtures/gen_adaptive.py from its float64 restatement of labml's get_lr and r_t. */
interface Schedules {
  source: string;
  cases: { optimizer: string; kwargs: Record<string, unknown>; lr: number[] }[];
  rectification: { beta2: number; terms: (number | null)[] }[];
}

const fx = loadFixture<Schedules>('adaptive', 'schedules');
type Scheduled = { getLr(state: { step: number }, group: unknown): number; currentOptions(group: number): unknown };
const classes: Record<string, new (params: Parameter[], options: Record<string, unknown>) => Scheduled> = {
  AdamWarmup,
  AdamWarmupCosineDecay,
  Noam,
};

describe('learning-rate schedules (getLr) against the reference, steps 1..60', () => {
  for (const c of fx.cases) {
    it(`${c.optimizer} ${JSON.stringify(c.kwargs)}`, () => {
      const cls = classes[c.optimizer]!;
      const opt = new cls([new Parameter(tensor([0]))], camelKeys(c.kwargs));
      c.lr.forEach((want, i) => {
        const got = opt.getLr({ step: i + 1 }, plainGroup(opt));
        expect(isClose(got, want, 0, 1e-12), `step ${i + 1}: ${got} vs ${want}`).toBe(true);
      });
    });
  }

  it('hand-worked: warm-up 10, lr 0.1 → 1e-8 + 0.03 at step 3, 0.1 from step 10', () => {
    const opt = new AdamWarmup([new Parameter(tensor([0]))], { lr: 0.1, warmup: 10 });
    const g = plainGroup(opt);
    expect(opt.getLr({ step: 3 }, g)).toBeCloseTo(0.03 + 1e-8, 15);
    expect(opt.getLr({ step: 10 }, g)).toBe(0.1);
  });

  it('hand-worked: cosine decay is half-way at the middle of the decay and floors at 10 %', () => {
    const opt = new AdamWarmupCosineDecay([new Parameter(tensor([0]))], { lr: 0.1, warmup: 10, totalSteps: 50 });
    const g = plainGroup(opt);
    expect(opt.getLr({ step: 30 }, g)).toBeCloseTo(0.05, 15); // progress 0.5: (1 + cos(π/2))/2 = 0.5
    expect(opt.getLr({ step: 50 }, g)).toBeCloseTo(0.01, 15); // progress 1: max(0.1, 0) = 0.1
    expect(opt.getLr({ step: 500 }, g)).toBeCloseTo(0.01, 15);
  });

  it('hand-worked: Noam peaks at t = warmup with lr/√(d_model·warmup)', () => {
    const opt = new Noam([new Parameter(tensor([0]))], { lr: 1, warmup: 4, dModel: 64 });
    const g = plainGroup(opt);
    expect(opt.getLr({ step: 4 }, g)).toBeCloseTo(1 / 16, 15); // 64^-0.5 · 4^-0.5 = 1/8 · 1/2
    expect(opt.getLr({ step: 2 }, g)).toBeCloseTo(1 / 32, 15); // 1/8 · 2 · 4^-1.5 = 1/8 · 1/4
    // warmup 0: no warm-up, 1/√(d_model·t)
    const noWarmup = new Noam([new Parameter(tensor([0]))], { lr: 1, dModel: 64 });
    expect(noWarmup.getLr({ step: 4 }, plainGroup(noWarmup))).toBeCloseTo(1 / 16, 15);
  });
});

describe("RAdam's rectification term against the reference, steps 1..40", () => {
  for (const { beta2, terms } of fx.rectification) {
    it(`beta2 = ${beta2}`, () => {
      terms.forEach((want, i) => {
        const got = LabmlRAdam.rectificationTerm(beta2, i + 1);
        if (want === null) expect(got, `step ${i + 1}`).toBeNull();
        else expect(isClose(got!, want, 0, 1e-12), `step ${i + 1}: ${got} vs ${want}`).toBe(true);
      });
    });
  }

  it('hand-worked: ρ₁ = 1 for every β₂, so the first step is never rectified', () => {
    for (const b2 of [0.5, 0.9, 0.999]) expect(LabmlRAdam.rectificationTerm(b2, 1)).toBeNull();
  });
});
