import { SparseTensor, parameter, tensor } from '@tsoptim/core';
import { describe, expect, it } from 'vitest';
import { SparseAdam } from './index.js';

function table() {
  return parameter(
    [
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
    ],
    { shape: [4, 2] },
  );
}

describe('SparseAdam', () => {
  it('moves only the rows the gradient touches, and only their moments', () => {
    const p = table();
    const opt = new SparseAdam([p], { lr: 0.1 });
    p.grad = new SparseTensor(
      p.shape,
      Int32Array.of(2, 0),
      tensor([
        [1, -1],
        [0.5, 0.5],
      ]),
    );
    opt.step();
    const s = opt.state.get(p)!;
    expect((s.exp_avg as { toArray(): unknown }).toArray()).toEqual([
      [Math.fround(0.05), Math.fround(0.05)],
      [0, 0],
      [Math.fround(0.1), Math.fround(-0.1)],
      [0, 0],
    ]);
    const v = p.toArray() as number[][];
    expect(v[1]).toEqual([3, 4]);
    expect(v[3]).toEqual([7, 8]);
    // First step: m̂/√v̂ = sign(g), so touched elements move by lr.
    expect(v[0]![0]).toBeCloseTo(0.9, 6);
    expect(v[2]![1]).toBeCloseTo(6.1, 6);
    expect(s.step).toBe(1);
  });

  it('sums repeated rows before the update (torch coalesces)', () => {
    const a = table();
    const b = table();
    const optA = new SparseAdam([a], { lr: 0.1 });
    const optB = new SparseAdam([b], { lr: 0.1 });
    for (let t = 0; t < 3; t++) {
      a.grad = new SparseTensor(
        a.shape,
        Int32Array.of(1, 3, 1),
        tensor([
          [1, 2],
          [3, 4],
          [0.5, -1],
        ]),
      );
      b.grad = new SparseTensor(
        b.shape,
        Int32Array.of(1, 3),
        tensor([
          [1.5, 1],
          [3, 4],
        ]),
      );
      optA.step();
      optB.step();
    }
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
  });

  it("rejects a dense gradient with torch's message and changes nothing", () => {
    const p = table();
    const q = table();
    const opt = new SparseAdam([q, p], { lr: 0.1 });
    q.grad = new SparseTensor(q.shape, Int32Array.of(0), tensor([[1, 1]]));
    p.setGrad([1, 1, 1, 1, 1, 1, 1, 1]);
    expect(() => opt.step()).toThrow('SparseAdam does not support dense gradients, please consider Adam instead');
    expect(opt.state.size).toBe(0);
    expect(q.toArray()).toEqual(table().toArray());
  });

  it('validates lr and eps as strictly positive, like torch', () => {
    expect(() => new SparseAdam([table()], { lr: 0 })).toThrow('Invalid learning rate: 0');
    expect(() => new SparseAdam([table()], { eps: 0 })).toThrow('Invalid epsilon value: 0');
    expect(() => new SparseAdam([table()], { betas: [0.9, 1] })).toThrow('Invalid beta parameter at index 1: 1');
  });

  it('counts a step for a gradient without rows, and moves nothing', () => {
    const p = table();
    const opt = new SparseAdam([p]);
    p.grad = new SparseTensor(p.shape, new Int32Array(0), tensor(new Float32Array(0), { shape: [0, 2] }));
    opt.step();
    expect(opt.state.get(p)!.step).toBe(1);
    expect(p.toArray()).toEqual(table().toArray());
  });
});
