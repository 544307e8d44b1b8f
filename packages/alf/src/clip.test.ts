import { SparseTensor, ValueError, tensor } from '@tsoptim/core';
import { describe, expect, it } from 'vitest';
import { clipByGlobalNorm, clipByNorms } from './clip.js';

describe('clipping', () => {
  it('clipByNorms scales only tensors above the threshold (hand-worked)', () => {
    const a = tensor([3, 4]); // norm 5 → scaled by 2/5
    const b = tensor([0.6, 0.8]); // norm 1 → unchanged
    const z = tensor([0, 0]); // norm 0 → unchanged
    clipByNorms([a, null, b, z], 2);
    expect(Array.from(a.data)).toEqual([Math.fround(1.2), Math.fround(1.6)]);
    expect(Array.from(b.data)).toEqual([Math.fround(0.6), Math.fround(0.8)]);
    expect(Array.from(z.data)).toEqual([0, 0]);
  });

  it('clipByGlobalNorm scales every tensor by c/G when G > c and returns G (hand-worked)', () => {
    const a = tensor([3, 0]);
    const b = tensor([[0, 4]]);
    const s = new SparseTensor([3, 1], Int32Array.of(2), tensor([[12]]));
    const g = clipByGlobalNorm([a, null, b, s], 6.5); // G = 13
    expect(g!.item()).toBeCloseTo(13, 5);
    expect(a.data[0]).toBeCloseTo(1.5, 6);
    expect(b.data[1]).toBeCloseTo(2, 6);
    expect(s.values.data[0]).toBeCloseTo(6, 5);
    const c = tensor([1, 1]);
    expect(clipByGlobalNorm([c], 10)!.item()).toBeCloseTo(Math.SQRT2, 6);
    expect(Array.from(c.data)).toEqual([1, 1]);
    expect(clipByGlobalNorm([null], 1)).toBeNull();
  });

  it('rejects a non-positive threshold', () => {
    expect(() => clipByNorms([tensor([1])], 0)).toThrow(new ValueError('clip_norm must be positive, got 0'));
    expect(() => clipByGlobalNorm([tensor([1])], -1)).toThrow(ValueError);
  });
});
