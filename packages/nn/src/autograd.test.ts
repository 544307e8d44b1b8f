import { Parameter, RuntimeError, SparseTensor, type Tensor, parameter, tensor } from '@tsoptim/core';
import { describe, expect, it } from 'vitest';
import { Variable, add, enableGrad, isGradEnabled, linear, matmul, mul, noGrad, scale, sum, variable } from './index.js';

const grad = (p: Parameter): number[] => Array.from((p.grad as Tensor).data);

describe('reverse-mode autograd', () => {
  it('fills Parameter.grad and accumulates over backward calls, as torch', () => {
    const w = parameter([1, 2, 3]);
    sum(mul(w, w)).backward();
    expect(grad(w)).toEqual([2, 4, 6]);
    sum(mul(w, 3)).backward();
    expect(grad(w)).toEqual([5, 7, 9]);
  });

  it('adds the contributions of a parameter used several times', () => {
    const w = parameter([1, -2]);
    // y = w·w + w + w  →  dy/dw = 2w + 2
    sum(add(add(mul(w, w), w), w)).backward();
    expect(grad(w)).toEqual([4, -2]);
  });

  it('does not alias the gradient of one operand into another', () => {
    const a = parameter([1, 2]);
    const b = parameter([3, 4]);
    const s = add(a, b);
    sum(add(s, s)).backward();
    expect(grad(a)).toEqual([2, 2]);
    expect(grad(b)).toEqual([2, 2]);
    a.grad = null;
    sum(add(a, a)).backward();
    expect(grad(a)).toEqual([2, 2]);
  });

  it('records nothing inside noGrad, and enableGrad switches it back on', () => {
    const w = parameter([1, 2]);
    expect(isGradEnabled()).toBe(true);
    const y = noGrad(() => {
      expect(isGradEnabled()).toBe(false);
      expect(enableGrad(() => mul(w, 2)).requiresGrad).toBe(true);
      return mul(w, 2);
    });
    expect(isGradEnabled()).toBe(true);
    expect(y.requiresGrad).toBe(false);
    expect(() => sum(y).backward()).toThrow('element 0 of tensors does not require grad and does not have a grad_fn');
    expect(() =>
      noGrad(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(isGradEnabled()).toBe(true);
  });

  it('cuts the graph at detach()', () => {
    const w = parameter([2]);
    const y = mul(w, w);
    const z = mul(y.detach(), w); // dz/dw = y = 4 (y treated as a constant)
    z.backward();
    expect(grad(w)).toEqual([4]);
    expect(y.detach().isLeaf).toBe(true);
    expect(y.detach().value).toBe(y.value);
  });

  it('ignores parameters that do not require a gradient, and plain tensors', () => {
    const frozen = new Parameter(tensor([1, 2]), { requiresGrad: false });
    const w = parameter([3, 4]);
    sum(mul(mul(frozen, w), tensor([1, 1]))).backward();
    expect(frozen.grad).toBeNull();
    expect(grad(w)).toEqual([1, 2]);
    expect(variable(tensor([1])).requiresGrad).toBe(false);
    expect(Variable.isVariable(variable(w))).toBe(true);
  });

  it("frees the graph after backward unless retainGraph, with torch's errors", () => {
    const w = parameter([1, 2]);
    const loss = sum(scale(mul(w, w), 0.5));
    loss.backward({ retainGraph: true });
    loss.backward();
    expect(grad(w)).toEqual([2, 4]);
    expect(() => loss.backward()).toThrow(/Trying to backward through the graph a second time/);
    const y = mul(w, w);
    expect(() => y.backward()).toThrow('grad can be implicitly created only for scalar outputs');
    expect(() => y.backward({ gradient: tensor([1, 2, 3]) })).toThrow(RuntimeError);
    y.backward({ gradient: tensor([1, 0]) });
  });

  it('handles long chains without recursion limits', () => {
    const w = parameter([1]);
    let y: Variable = variable(w);
    for (let i = 0; i < 20000; i++) y = add(y, w);
    y.backward();
    expect(grad(w)).toEqual([20001]);
  });

  it('writes the products of linear and matmul into .grad, adding to a gradient already there', () => {
    // x = [[1, 2], [3, 4]], W = [[1, 0], [0, 1], [1, 1]], b = [0, 0, 0]: Σ linear(x, W, b) has
    // ∂W[o, i] = Σ_rows x[r, i] = [4, 6] per row of W, ∂b[o] = 2 (rows), ∂x[r, i] = Σ_o W[o, i] = [2, 2].
    const x = parameter([
      [1, 2],
      [3, 4],
    ]);
    const w = parameter([
      [1, 0],
      [0, 1],
      [1, 1],
    ]);
    const b = parameter([0, 0, 0]);
    sum(linear(x, w, b)).backward();
    expect(grad(w)).toEqual([4, 6, 4, 6, 4, 6]);
    expect(grad(b)).toEqual([2, 2, 2]);
    expect(grad(x)).toEqual([2, 2, 2, 2]);
    // Without clearing: added, as torch accumulates into .grad.
    sum(linear(x, w, b)).backward();
    expect(grad(w)).toEqual([8, 12, 8, 12, 8, 12]);
    expect(grad(b)).toEqual([4, 4, 4]);
  });

  it('adds both products when one parameter is both operands of a matmul', () => {
    // Σ (A·A) for A = [[1, 2], [3, 4]]: ∂A[p, q] = Σ_j A[q, j] + Σ_i A[i, p] (row sums 3, 7; column sums 4, 6).
    const a = parameter([
      [1, 2],
      [3, 4],
    ]);
    sum(matmul(a, a)).backward();
    expect(grad(a)).toEqual([3 + 4, 7 + 4, 3 + 6, 7 + 6]);
  });

  it('refuses to add a dense product into a sparse gradient', () => {
    const w = parameter([
      [1, 2],
      [3, 4],
    ]);
    w.grad = new SparseTensor([2, 2], Int32Array.from([0]), tensor([[1, 1]]));
    expect(() => sum(matmul(tensor([[1, 1]]), w)).backward()).toThrow(
      'cannot accumulate a dense gradient into the sparse gradient of a parameter',
    );
  });
});
