import { parameter } from '@tsoptim/core';
import { describe, expect, it } from 'vitest';
import { Adam } from './adam.js';
import { SGD } from './sgd.js';

// Schedule-valued options, checked against numbers worked out by hand (every value below is exact in float32
// except where a tolerance is given). Gradients are set by hand before each step.

function runSgd(options: ConstructorParameters<typeof SGD>[1], grads: number[], p0 = 1): number[] {
  const p = parameter([p0]);
  const opt = new SGD([p], options);
  return grads.map((g) => {
    p.setGrad([g]);
    opt.step();
    return p.item();
  });
}

function* values<T>(...xs: T[]): Generator<T> {
  yield* xs;
}

describe('lr schedules (SGD, p ← p − lr·g)', () => {
  // p0 = 1, g = 1: lr 0.5 then 0.25 then (last repeats) 0.25 → 0.5, 0.25, 0
  it('an array: one value per step, the last repeating', () => {
    expect(runSgd({ lr: [0.5, 0.25] as never }, [1, 1, 1])).toEqual([0.5, 0.25, 0]);
  });
  it('a generator: one value per step, the last repeating once exhausted', () => {
    expect(runSgd({ lr: values(0.5, 0.25) as never }, [1, 1, 1])).toEqual([0.5, 0.25, 0]);
  });
  it('an iterable that is not an iterator', () => {
    expect(runSgd({ lr: new Set([0.5, 0.25]) as never }, [1, 1, 1])).toEqual([0.5, 0.25, 0]);
  });
  it('a function of the step (0 on the first step)', () => {
    // lr = 0.125·(step+1): 0.125, 0.25, 0.375 → 0.875, 0.625, 0.25
    expect(runSgd({ lr: ((s: number) => 0.125 * (s + 1)) as never }, [1, 1, 1])).toEqual([0.875, 0.625, 0.25]);
  });
  it('a function with properties (a schedule object) is called with the step', () => {
    const lr = Object.assign((s: number) => (s === 0 ? 0.5 : 0.25), { kind: 'custom', lastScore: null });
    expect(runSgd({ lr: lr as never }, [1, 1])).toEqual([0.5, 0.25]);
  });
  it('per group: a group may have its own schedule', () => {
    const a = parameter([1]);
    const b = parameter([1]);
    const opt = new SGD([{ params: [a], lr: [0.5, 0.25] }, { params: [b] }], { lr: 0.125 });
    for (let i = 0; i < 2; i++) {
      a.setGrad([1]);
      b.setGrad([1]);
      opt.step();
    }
    expect([a.item(), b.item()]).toEqual([0.25, 0.75]);
  });
});

describe('weightDecay and momentum schedules (SGD)', () => {
  it('weightDecay: g ← g + λ·p', () => {
    // lr 0.5, λ = 0 then 1 then 1; g = 1:
    // step 0: p = 1 − 0.5·1 = 0.5; step 1: g = 1 + 0.5 = 1.5, p = 0.5 − 0.75 = −0.25;
    // step 2: g = 1 − 0.25 = 0.75, p = −0.25 − 0.375 = −0.625
    expect(runSgd({ lr: 0.5, weightDecay: [0, 1] as never }, [1, 1, 1])).toEqual([0.5, -0.25, -0.625]);
  });
  it('momentum: b ← μ·b + g', () => {
    // lr 0.5, μ = 0.5 then 0.25 (repeating), g = 1:
    // step 0: b = g = 1, p = 0.5; step 1: b = 0.25 + 1 = 1.25, p = 0.5 − 0.625 = −0.125;
    // step 2: b = 0.3125 + 1 = 1.3125, p = −0.125 − 0.65625 = −0.78125
    const fromArray = runSgd({ lr: 0.5, momentum: [0.5, 0.25] as never }, [1, 1, 1]);
    const fromGenerator = runSgd({ lr: 0.5, momentum: values(0.5, 0.25) as never }, [1, 1, 1]);
    const fromFunction = runSgd({ lr: 0.5, momentum: ((s: number) => (s === 0 ? 0.5 : 0.25)) as never }, [1, 1, 1]);
    for (const r of [fromArray, fromGenerator, fromFunction]) expect(r).toEqual([0.5, -0.125, -0.78125]);
  });
});

describe('Adam: betas, lr and weightDecay schedules', () => {
  function runAdam(options: ConstructorParameters<typeof Adam>[1], grads: number[]): number[] {
    const p = parameter([1]);
    const opt = new Adam([p], { eps: 0, ...options });
    return grads.map((g) => {
      p.setGrad([g]);
      opt.step();
      return p.item();
    });
  }
  // lr 0.5, eps 0, g = 1 then 3, betas (0.5, 0.75) then (0.5, 0):
  // t=1: m = 0.5, v = 0.25, m̂ = 1, v̂ = 1 → p = 1 − 0.5 = 0.5
  // t=2: m = 0.25 + 1.5 = 1.75, v = 0·0.25 + 1·9 = 9, m̂ = 1.75/0.75, v̂ = 9/1 → Δ = 0.5·(7/3)/3 = 7/18 → p = 1/9
  const expected = [0.5, 1 / 9];
  const close = (r: number[]) => {
    expect(r[0]).toBe(0.5);
    expect(r[1]).toBeCloseTo(expected[1]!, 6);
  };
  it('betas as an array of tuples', () => {
    close(
      runAdam(
        {
          lr: 0.5,
          betas: [
            [0.5, 0.75],
            [0.5, 0],
          ] as never,
        },
        [1, 3],
      ),
    );
  });
  it('betas as a function returning tuples', () => {
    close(runAdam({ lr: 0.5, betas: ((s: number) => (s === 0 ? [0.5, 0.75] : [0.5, 0])) as never }, [1, 3]));
  });
  it('betas as a generator of tuples', () => {
    close(runAdam({ lr: 0.5, betas: values([0.5, 0.75], [0.5, 0]) as never }, [1, 3]));
  });
  it('betas as a tuple with a scheduled entry', () => {
    close(runAdam({ lr: 0.5, betas: [0.5, (s: number) => (s === 0 ? 0.75 : 0)] as never }, [1, 3]));
  });
  it('a constant pair of betas is not a schedule', () => {
    // Same first step; the second differs from the scheduled run (β₂ stays 0.75): v = 0.1875 + 2.25 = 2.4375,
    // v̂ = 2.4375/0.4375 = 39/7, Δ = 0.5·(7/3)/√(39/7)
    const r = runAdam({ lr: 0.5, betas: [0.5, 0.75] }, [1, 3]);
    expect(r[1]).toBeCloseTo(0.5 - (0.5 * (7 / 3)) / Math.sqrt(39 / 7), 6);
  });
  it('lr and weightDecay', () => {
    // L2 decay: g ← g + λ·p. lr = [0.5, 0.25], λ = [0, 0.5], betas (0.5, 0.75), g = 1 then 1:
    // t=1: g = 1, m = 0.5, v = 0.25 → Δ = 0.5 → p = 0.5
    // t=2: g = 1 + 0.5·0.5 = 1.25; m = 0.25 + 0.625 = 0.875, v = 0.1875 + 0.25·1.5625 = 0.578125;
    //      m̂ = 0.875/0.75 = 7/6, v̂ = 0.578125/0.4375 = 37/28 → Δ = 0.25·(7/6)/√(37/28)
    const r = runAdam({ lr: [0.5, 0.25] as never, weightDecay: [0, 0.5] as never, betas: [0.5, 0.75] }, [1, 1]);
    expect(r[0]).toBe(0.5);
    expect(r[1]).toBeCloseTo(0.5 - (0.25 * (7 / 6)) / Math.sqrt(37 / 28), 6);
  });
});

describe('scheduled values are checked when produced', () => {
  it("a value torch rejects throws torch's message and changes nothing", () => {
    const p = parameter([1]);
    const opt = new SGD([p], { lr: ((s: number) => (s === 0 ? 0.5 : -1)) as never });
    p.setGrad([1]);
    opt.step();
    expect(() => opt.step()).toThrow('Invalid learning rate: -1');
    expect(p.item()).toBe(0.5);
  });
  it('a schedule giving something other than a number throws', () => {
    const p = parameter([1]);
    p.setGrad([1]);
    expect(() => new SGD([p], { lr: (() => undefined) as never }).step()).toThrow(
      "the schedule for option 'lr' gave undefined at step 0; expected a number",
    );
    expect(() => new SGD([p], { lr: [] as never })).toThrow(
      'SGD: option `lr` must be a number (or a schedule: a function, an iterator, an array of 2+ numbers), got []',
    );
    expect(() => new SGD([p], { lr: values() as never }).step()).toThrow("the schedule for option 'lr' is an empty iterator");
    expect(() => new Adam([p], { betas: [[0.9], [0.8]] as never })).toThrow(
      'Adam: option `betas` must be an array of 2 numbers, got [[0.9], [0.8]]',
    );
    expect(() => new Adam([p], { betas: () => [0.9] as never }).step()).toThrow(
      "the schedule for option 'betas' gave [0.9] at step 0; expected 2 numbers",
    );
    expect(p.item()).toBe(1);
  });
  it('an iterator catches up when steps had no gradient', () => {
    const p = parameter([1]);
    const opt = new SGD([p], { lr: values(0.5, 0.25, 0.125) as never });
    opt.step(); // no gradient: nothing moves, but step 0 is used up
    p.setGrad([1]);
    opt.step(); // step 1: lr 0.25
    expect(p.item()).toBe(0.75);
  });
});
