import { Parameter, TypeError_, ValueError, parameter, tensor } from '@tsoptim/core';
import { linear, mul, reshape, sub } from '@tsoptim/nn';
import { describe, expect, it } from 'vitest';
import { GradientNoiseScaleEstimator } from './gradient-noise-scale.js';
import { fixture } from '../test/testing.js';

/** Per-sample losses (x·w + c − y)², [T, B] (or [B] when T is 1 and `flat`). */
function losses(x: number[], y: number[], w: Parameter, c: Parameter, T: number, B: number, flat: boolean) {
  const pred = reshape(linear(tensor(x, { shape: [T * B, 3] }), w, c), flat ? [B] : [T, B]);
  const r = sub(pred, tensor(y, { shape: flat ? [B] : [T, B] }));
  return mul(r, r);
}

describe('GradientNoiseScaleEstimator', () => {
  for (const name of ['gns_alternative', 'gns_paper_clip', 'gns_paper_time_batch']) {
    it(`matches the float64 reference estimate after every call (${name})`, () => {
      const fx = fixture(name);
      const w = parameter(fx.w, { shape: [1, 3] });
      const c = parameter(fx.c);
      const before = tensor([7, 8, 9], { shape: [1, 3] });
      w.grad = before;
      const gns = new GradientNoiseScaleEstimator({
        mode: fx.mode,
        batchSizeRatio: fx.batchSizeRatio,
        updateRate: fx.updateRate,
        gradientNormClip: fx.gradientNormClip,
        seed: fx.seed,
      });
      fx.batches.forEach((batch: { x: number[]; y: number[] }, i: number) => {
        const loss = losses(batch.x, batch.y, w, c, fx.T, fx.B, fx.T === 1);
        const s = gns.estimate(loss, [w, c]);
        const ref = fx.results[i].gns;
        expect(Math.abs(s - ref), `call ${i}: ${s} vs ${ref}`).toBeLessThanOrEqual(1e-4 + 2e-3 * Math.abs(ref));
      });
      // The parameters' own gradients are left as they were.
      expect(w.grad).toBe(before);
      expect(c.grad).toBeNull();
    });
  }

  it('keeps the last valid estimate when an estimate goes negative', () => {
    // Two identical halves with opposite gradients: |G|² estimate < 0 and var trace > 0 → S < 0 at once.
    const w = parameter([1]);
    const x = tensor([1, -1]);
    const gns = new GradientNoiseScaleEstimator({ updateRate: 1 });
    const loss = mul(mul(x, w), 1);
    expect(gns.estimate(loss, [w])).toBe(0);
    expect(gns.lastValidGns).toBe(0);
    // Equal gradients in both halves: S = ((|g|²)/(|g|² + 1e-8) − 1)·1 ≈ 0, non-negative.
    const same = mul(mul(tensor([2, 2]), w), 1);
    const s = gns.estimate(same, [w]);
    expect(s).toBeGreaterThanOrEqual(0);
    expect(gns.lastValidGns).toBe(s);
  });

  it('validates its options and inputs', () => {
    expect(() => new GradientNoiseScaleEstimator({ mode: 'x' as never })).toThrow(ValueError);
    expect(() => new GradientNoiseScaleEstimator({ mode: 'paper', batchSizeRatio: 0.5 })).toThrow(
      'batchSizeRatio must be in (0, 0.5), got 0.5',
    );
    expect(() => new GradientNoiseScaleEstimator({ updateRate: 0 })).toThrow('updateRate must be in (0, 1], got 0');
    expect(() => new GradientNoiseScaleEstimator({ gradientNormClip: 0 })).toThrow(ValueError);
    const w = parameter([1]);
    const gns = new GradientNoiseScaleEstimator();
    expect(() => gns.estimate(mul(tensor([1, 2, 3]), w), [w])).toThrow(new ValueError('Check if the batch size is even!'));
    expect(() => gns.estimate(mul(tensor([[[1, 2]]]), w), [w])).toThrow(new ValueError('loss must be a rank-1 or -2 tensor!'));
    expect(() => gns.estimate(mul(tensor([1, 2]), w), [tensor([1]) as never])).toThrow(TypeError_);
    const paper = new GradientNoiseScaleEstimator({ mode: 'paper', batchSizeRatio: 0.4 });
    expect(() => paper.estimate(mul(tensor([1, 2]), w), [w])).toThrow(/too small to split/);
    expect(Parameter.isParameter(w)).toBe(true);
  });
});
