import type { ElementwiseKernel, Tensor } from '@tsoptim/core';
import { tensor, zeros } from './internal/alloc.js';
import { addK, divGradBK, divK, mulK, scaledK, subK } from './internal/kernels.js';
import { broadcastShape, sumTo } from './internal/shape-utils.js';
import { type Input, Variable, record } from './variable.js';

/** An operand of the arithmetic operations: a variable, a tensor, or a number (a constant). */
export type Operand = Input | number;

function operand(x: Operand, like: Tensor): Variable {
  if (typeof x === 'number') return Variable.from(tensor(new Float32Array([x]), { backend: like.backend, shape: [] }));
  return Variable.from(x);
}

function operands(a: Operand, b: Operand): [Variable, Variable] {
  if (typeof a === 'number' && typeof b === 'number') {
    const va = Variable.from(tensor(new Float32Array([a]), { shape: [] }));
    return [va, operand(b, va.value)];
  }
  if (typeof a === 'number') {
    const vb = Variable.from(b as Input);
    return [operand(a, vb.value), vb];
  }
  const va = Variable.from(a);
  return [va, operand(b, va.value)];
}

/** Runs a binary kernel `out ← f(a, b)` over the broadcast shape. @internal */
export function binary(kernel: ElementwiseKernel, a: Tensor, b: Tensor, shape?: readonly number[]): Tensor {
  const out = zeros(shape ?? broadcastShape(a.shape, b.shape), { backend: a.backend });
  a.backend.run(kernel, { tensors: { a, b, out } });
  return out;
}

function scaled(x: Tensor, alpha: number): Tensor {
  const out = zeros(x.shape, { backend: x.backend });
  x.backend.run(scaledK, { tensors: { x, out }, scalars: { alpha } });
  return out;
}

/**
 * `a + b` elementwise, with numpy/torch broadcasting. Gradients are summed back over broadcast dimensions.
 *
 * @param a - a variable, tensor or number.
 * @param b - a variable, tensor or number.
 * @throws RuntimeError when the shapes do not broadcast.
 * @example
 * const y = add(matmul(x, w), bias); // bias [out] broadcasts over the rows
 */
export function add(a: Operand, b: Operand): Variable {
  const [va, vb] = operands(a, b);
  const out = binary(addK, va.value, vb.value);
  return record('add', out, [va, vb], (g, needs) => [needs[0] ? sumTo(g, va.shape) : null, needs[1] ? sumTo(g, vb.shape) : null]);
}

/**
 * `a − b` elementwise, with broadcasting.
 *
 * @param a - a variable, tensor or number.
 * @param b - a variable, tensor or number.
 * @throws RuntimeError when the shapes do not broadcast.
 * @example
 * const residual = sub(prediction, target);
 */
export function sub(a: Operand, b: Operand): Variable {
  const [va, vb] = operands(a, b);
  const out = binary(subK, va.value, vb.value);
  return record('sub', out, [va, vb], (g, needs) => [
    needs[0] ? sumTo(g, va.shape) : null,
    needs[1] ? scaled(sumTo(g, vb.shape), -1) : null,
  ]);
}

/**
 * `a · b` elementwise, with broadcasting. Backward: `∂a = g·b`, `∂b = g·a` (summed to each shape).
 *
 * @param a - a variable, tensor or number.
 * @param b - a variable, tensor or number.
 * @throws RuntimeError when the shapes do not broadcast.
 * @example
 * const masked = mul(x, mask);
 */
export function mul(a: Operand, b: Operand): Variable {
  const [va, vb] = operands(a, b);
  const out = binary(mulK, va.value, vb.value);
  return record('mul', out, [va, vb], (g, needs) => [
    needs[0] ? sumTo(binary(mulK, g, vb.value, g.shape), va.shape) : null,
    needs[1] ? sumTo(binary(mulK, g, va.value, g.shape), vb.shape) : null,
  ]);
}

/**
 * `a / b` elementwise, with broadcasting. Backward: `∂a = g / b`, `∂b = −g·a / b²`.
 *
 * @param a - a variable, tensor or number.
 * @param b - a variable, tensor or number.
 * @throws RuntimeError when the shapes do not broadcast.
 * @example
 * const normalised = div(x, add(norms, 1e-8));
 */
export function div(a: Operand, b: Operand): Variable {
  const [va, vb] = operands(a, b);
  const out = binary(divK, va.value, vb.value);
  return record('div', out, [va, vb], (g, needs) => {
    let gb: Tensor | null = null;
    if (needs[1]) {
      const t = zeros(g.shape, { backend: g.backend });
      g.backend.run(divGradBK, { tensors: { g, a: va.value, b: vb.value, out: t } });
      gb = sumTo(t, vb.shape);
    }
    return [needs[0] ? sumTo(binary(divK, g, vb.value, g.shape), va.shape) : null, gb];
  });
}

/**
 * `−x` elementwise.
 *
 * @param x - a variable or tensor.
 * @example
 * const loss = neg(mean(logLikelihood));
 */
export function neg(x: Input): Variable {
  const v = Variable.from(x);
  return record('neg', scaled(v.value, -1), [v], (g) => [scaled(g, -1)]);
}

/**
 * `alpha · x` for a number `alpha`.
 *
 * @param x - a variable or tensor.
 * @param alpha - the factor.
 * @example
 * const half = scale(x, 0.5);
 */
export function scale(x: Input, alpha: number): Variable {
  const v = Variable.from(x);
  return record('scale', scaled(v.value, alpha), [v], (g) => [scaled(g, alpha)]);
}
