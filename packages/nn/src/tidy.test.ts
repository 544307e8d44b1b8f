import { type CpuBackend, type Tensor, parameter, tensor } from '@tsoptim/core';
import { describe, expect, it } from 'vitest';
import { Linear, crossEntropy, mul, relu, sum, tidy } from './index.js';

const live = (t: Tensor) => (t.backend as CpuBackend).memoryStats().liveBlocks;

describe('tidy', () => {
  it('releases what a step allocated, keeping the returned value and the new gradients', () => {
    const layer = new Linear(4, 3, { seed: 0 });
    const x = tensor([
      [1, 2, 3, 4],
      [0, 1, 0, 1],
    ]);
    const before = live(x);
    const out = tidy(() => {
      const logits = layer.forward(relu(x));
      crossEntropy(logits, [0, 2]).backward();
      return logits;
    });
    expect(out.isLeaf).toBe(false);
    expect(out.value.isDisposed).toBe(false);
    expect(layer.weight.grad!.shape).toEqual([3, 4]);
    expect(Array.from((layer.weight.grad as Tensor).data).some((v) => v !== 0)).toBe(true);
    // The returned logits and the two gradients remain.
    expect(live(x)).toBe(before + 3);
  });

  it('leaves gradients to their parameters: the storage of a cleared gradient is reused by the next backward', () => {
    const w = parameter([1, 2, 3]);
    const before = live(w);
    tidy(() => sum(mul(w, w)).backward());
    const g = w.grad as Tensor;
    expect(live(w)).toBe(before + 1);
    w.clearGrad();
    expect(g.isDisposed).toBe(true);
    expect(() => g.data).toThrow(/zeroGrad/);
    tidy(() => sum(mul(w, 2)).backward());
    const g2 = w.grad as Tensor;
    expect(Array.from(g2.data)).toEqual([2, 2, 2]);
    expect(live(w)).toBe(before + 1);
  });

  it('nests: what an inner scope returns belongs to the outer one', () => {
    const w = parameter([1, 2]);
    const before = live(w);
    const n = tidy(() => {
      const inner = tidy(() => mul(w, 3));
      expect(inner.value.isDisposed).toBe(false);
      return sum(inner).item();
    });
    expect(n).toBe(9);
    expect(live(w)).toBe(before);
  });

  it('releases on throw too', () => {
    const w = parameter([1, 2]);
    const before = live(w);
    expect(() =>
      tidy(() => {
        mul(w, w);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(live(w)).toBe(before);
  });
});
