import { parameter } from '@tsoptim/core';
import { CosineAnnealingLR } from '@tsoptim/lr-scheduler';
import { SGD } from '@tsoptim/optim';
import { describe, expect, it } from 'vitest';
import { SWALR } from './index.js';
import { assertClose, loadFixture } from './internal/testing.js';

interface Case {
  name: string;
  lrs: number[];
  swaLr: number | number[];
  annealEpochs: number;
  annealStrategy: 'cos' | 'linear';
  sequence: number[][];
  lastLr: number[];
}
interface Fixture {
  source: string;
  cases: Case[];
  recipe: { lr: number; tMax: number; swaLr: number; annealEpochs: number; swaStart: number; sequence: number[][] };
  errors: Record<string, string>;
}
const fx = loadFixture<Fixture>('swalr');
// Learning rates are float64; the fixture stores 9 significant digits.
const lrs = (opt: SGD) => opt.paramGroups.map((g) => g.lr as number);
const sgd = (groupLrs: number[]) =>
  new SGD(
    groupLrs.map((lr) => ({ params: [parameter([0, 0])], lr })),
    { lr: groupLrs[0]! },
  );

describe(`SWALR against torch (${fx.source})`, () => {
  for (const c of fx.cases) {
    it(`${c.name}: learning rates step by step`, () => {
      const opt = sgd(c.lrs);
      const sched = new SWALR(opt, { swaLr: c.swaLr, annealEpochs: c.annealEpochs, annealStrategy: c.annealStrategy });
      assertClose('initial', lrs(opt), c.sequence[0]!, 1e-8, 1e-12);
      for (let i = 1; i < c.sequence.length; i++) {
        opt.step();
        sched.step();
        assertClose(`step ${i}`, lrs(opt), c.sequence[i]!, 1e-8, 1e-12);
      }
      assertClose('getLastLr', sched.getLastLr(), c.lastLr, 1e-8, 1e-12);
      expect(opt.paramGroups.every((g) => typeof g.swaLr === 'number')).toBe(true);
    });
  }

  it('follows the torch.optim docs recipe: CosineAnnealingLR, then SWALR from the start epoch', () => {
    const r = fx.recipe;
    const opt = new SGD([parameter([0, 0])], { lr: r.lr });
    const scheduler = new CosineAnnealingLR(opt, { tMax: r.tMax });
    const swaScheduler = new SWALR(opt, { swaLr: r.swaLr, annealEpochs: r.annealEpochs });
    const seq = [lrs(opt)];
    for (let epoch = 0; epoch < r.sequence.length - 1; epoch++) {
      opt.step();
      if (epoch > r.swaStart) swaScheduler.step();
      else scheduler.step();
      seq.push(lrs(opt));
    }
    seq.forEach((v, i) => assertClose(`epoch ${i}`, v, r.sequence[i]!, 1e-8, 1e-12));
  });

  it("validates with torch's messages, before touching the optimizer", () => {
    const opt = sgd([0.1, 0.1]);
    expect(() => new SWALR(opt, { swaLr: 0.05, annealStrategy: 'exp' as never })).toThrow(fx.errors.strategy);
    expect(() => new SWALR(opt, { swaLr: 0.05, annealEpochs: -1 })).toThrow(fx.errors.epochs);
    expect(() => new SWALR(opt, { swaLr: [0.05, 0.1, 0.2] })).toThrow(fx.errors.length);
    expect(opt.paramGroups.some((g) => 'swaLr' in g || 'initialLr' in g)).toBe(false);
  });

  it('resumes from its state dict', () => {
    const run = (resumeAt: number | null) => {
      const opt = sgd([0.4]);
      let sched = new SWALR(opt, { swaLr: 0.1, annealEpochs: 4, annealStrategy: 'linear' });
      const out: number[] = [];
      for (let i = 0; i < 6; i++) {
        if (i === resumeAt) {
          const sd = JSON.parse(JSON.stringify(sched.stateDict()));
          sched = new SWALR(opt, { swaLr: 0.1, annealEpochs: 1 });
          sched.loadStateDict(sd);
        }
        opt.step();
        sched.step();
        out.push(lrs(opt)[0]!);
      }
      return out;
    };
    expect(run(3)).toEqual(run(null));
  });
});
