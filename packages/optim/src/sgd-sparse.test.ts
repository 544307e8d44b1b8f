import { Parameter, SparseTensor, TsoptimError, tensor, zeros } from '@tsoptim/core';
import { describe, expect, it } from 'vitest';
import { SGD, SparseAdam } from './index.js';

// Expected values: torch 1.13 (Debian python3-torch), the same three sparse gradients
// (rows [0], [2, 0], [1], values 0.5) on [[1, 2], [3, 4], [5, 6]].
const TORCH: [Record<string, number | boolean>, number[][]][] = [
  [
    { lr: 0.1 },
    [
      [0.8999999761581421, 1.9000000953674316],
      [2.950000047683716, 3.950000047683716],
      [4.949999809265137, 5.949999809265137],
    ],
  ],
  [
    { lr: 0.1, momentum: 0.9 },
    [
      [0.7694999575614929, 1.7695001363754272],
      [2.950000047683716, 3.950000047683716],
      [4.904999732971191, 5.904999732971191],
    ],
  ],
  [
    { lr: 0.1, momentum: 0.9, nesterov: true },
    [
      [0.692550003528595, 1.6925498247146606],
      [2.9049999713897705, 3.9049999713897705],
      [4.864500045776367, 5.864500045776367],
    ],
  ],
];

function sparse(rows: number[]): SparseTensor {
  return new SparseTensor([3, 2], Int32Array.from(rows), tensor(rows.map(() => [0.5, 0.5])));
}

describe('SGD with sparse gradients (as torch)', () => {
  for (const [options, want] of TORCH) {
    it(`matches torch with ${JSON.stringify(options)}`, () => {
      const p = new Parameter(
        tensor([
          [1, 2],
          [3, 4],
          [5, 6],
        ]),
      );
      const opt = new SGD([p], options);
      for (const rows of [[0], [2, 0], [1]]) {
        p.grad = sparse(rows);
        opt.step();
      }
      want.flat().forEach((w, i) => expect(p.data[i]).toBeCloseTo(w, 6));
    });
  }

  it("rejects weight decay with a sparse gradient, with torch's message, before changing anything", () => {
    const p = new Parameter(
      tensor([
        [1, 2],
        [3, 4],
        [5, 6],
      ]),
    );
    const opt = new SGD([p], { lr: 0.1, weightDecay: 0.1 });
    p.grad = sparse([1]);
    expect(() => opt.step()).toThrow('add(sparse, dense) is not supported. Use add(dense, sparse) instead.');
    expect([...p.data]).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('SparseAdam', () => {
  it("says it requires dense parameters when given a sparse one (torch's message)", () => {
    const s = new SparseTensor([2], Int32Array.of(0), zeros([1]));
    let error: unknown;
    try {
      new SparseAdam([new Parameter(tensor([0, 0])), s] as never);
    } catch (e) {
      error = e;
    }
    expect(TsoptimError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe('Sparse params at indices [1]: SparseAdam requires dense parameter tensors');
    expect(() => new SparseAdam([{ params: [s] }] as never)).toThrow(
      'Sparse params at indices [[0, 0]]: SparseAdam requires dense parameter tensors',
    );
  });
});
