import { describe, expect, it } from 'vitest';
import { defineKernel, defineReduction, k, norm, sum, tensor, zeros, SparseTensor } from './index.js';

describe('elementwise kernels on the CPU backend', () => {
  it('runs a multi-output in-place kernel in one pass', () => {
    const kern = defineKernel({
      name: 'demo',
      inputs: ['p', 'g', 'm'],
      scalars: ['lr', 'b'],
      outputs: ['p', 'm'],
      body: ({ p, g, m }, { lr, b }) => {
        const m2 = k.add(k.mul(b, m), k.mul(k.sub(1, b), g));
        return { m: m2, p: k.sub(p, k.mul(lr, m2)) };
      },
    });
    const p = tensor([1, 2, 3]);
    const g = tensor([0.5, -1, 2]);
    const m = tensor([0, 1, 0]);
    p.backend.run(kern, { tensors: { p, g, m }, scalars: { lr: 0.1, b: 0.5 } });
    expect(Array.from(m.data)).toEqual([0.25, 0, 1]);
    expect(Array.from(p.data)).toEqual([Math.fround(1 - 0.025), 2, Math.fround(3 - 0.1)]);
  });

  it('broadcasts row, column and scalar inputs', () => {
    const kern = defineKernel({
      name: 'bc',
      inputs: ['x', 'r', 'col', 's'],
      outputs: ['out'],
      body: ({ x, r, col, s }) => ({ out: k.add(x, k.mul(r, 10), k.mul(col, 100), k.mul(s, 1000)) }),
    });
    const x = zeros([2, 3]);
    const r = tensor([[1], [2]]);
    const col = tensor([1, 2, 3]);
    const s = tensor(1);
    const out = zeros([2, 3]);
    out.backend.run(kern, { tensors: { x, r, col, s, out } });
    expect(out.toArray()).toEqual([
      [1110, 1210, 1310],
      [1120, 1220, 1320],
    ]);
  });

  it('selects and compares', () => {
    const kern = defineKernel({
      name: 'sel',
      inputs: ['x'],
      outputs: ['x'],
      body: ({ x }) => ({ x: k.select(k.gt(x, 0), k.sqrt(x), k.sign(x)) }),
    });
    const x = tensor([4, -3, 0, 9]);
    x.backend.run(kern, { tensors: { x } });
    expect(Array.from(x.data)).toEqual([2, -1, 0, 3]);
  });

  it('updates only the selected rows', () => {
    const kern = defineKernel({
      name: 'rowsadd',
      inputs: ['p', 'v'],
      outputs: ['p'],
      body: ({ p, v }) => ({ p: k.add(p, v) }),
    });
    const p = zeros([4, 2]);
    const v = tensor([
      [1, 2],
      [3, 4],
    ]);
    p.backend.run(kern, { tensors: { p, v }, rows: { indices: Int32Array.of(3, 1), rowSize: 2, compact: ['v'] } });
    expect(p.toArray()).toEqual([
      [0, 0],
      [3, 4],
      [0, 0],
      [1, 2],
    ]);
  });

  it('rejects missing tensors and shape mismatches with a clear error', () => {
    const kern = defineKernel({ name: 'cp', inputs: ['a'], outputs: ['b'], body: ({ a }) => ({ b: a }) });
    const b = zeros([3]);
    expect(() => b.backend.run(kern, { tensors: { b } })).toThrow("kernel cp: tensor 'a' is missing");
    expect(() => b.backend.run(kern, { tensors: { a: zeros([2]), b } })).toThrow('does not match the output shape');
  });
});

describe('reductions', () => {
  it('reduces everything and along axes', () => {
    const x = tensor([
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      [
        [-1, -2],
        [-3, -4],
        [-5, -6],
      ],
    ]);
    expect(sum(x).item()).toBe(0);
    expect(norm(tensor([3, 4])).item()).toBeCloseTo(5, 6);
    expect(sum(x, { dim: 1 }).toArray()).toEqual([
      [9, 12],
      [-9, -12],
    ]);
    expect(sum(x, { dim: -1, keepDim: true }).shape).toEqual([2, 3, 1]);
    expect(sum(x, { dim: [0, 2] }).toArray()).toEqual([0, 0, 0]);
    // the former names still work
    expect(sum(x, { axes: [-1], keepDims: true }).shape).toEqual([2, 3, 1]);
    const meanRows = defineReduction({
      name: 'meanrows',
      inputs: ['x'],
      body: ({ x }) => k.mul(x, x),
      combine: 'sum',
      finalize: (acc, count) => k.div(acc, count),
    });
    const out = zeros([2, 3]);
    x.backend.reduce(meanRows, { tensors: { x }, out, axes: [2] });
    expect(out.toArray()).toEqual([
      [2.5, 12.5, 30.5],
      [2.5, 12.5, 30.5],
    ]);
  });

  it('propagates NaN through max', () => {
    const m = defineReduction({ name: 'mx', inputs: ['x'], body: ({ x }) => x, combine: 'max' });
    const out = zeros([]);
    const x = tensor([1, Number.NaN, 3]);
    x.backend.reduce(m, { tensors: { x }, out });
    expect(out.item()).toBeNaN();
  });
});

describe('sparse tensors', () => {
  it('coalesces duplicate rows', () => {
    const s = new SparseTensor(
      [5, 2],
      Int32Array.of(3, 1, 3),
      tensor([
        [1, 1],
        [2, 2],
        [3, 3],
      ]),
    );
    const c = s.coalesce();
    expect(Array.from(c.indices)).toEqual([1, 3]);
    expect(c.values.toArray()).toEqual([
      [2, 2],
      [4, 4],
    ]);
  });
});
