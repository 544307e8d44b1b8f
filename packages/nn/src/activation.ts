import type { ElementwiseKernel, Tensor } from '@tsoptim/core';
import { zeros } from './internal/alloc.js';
import { expK, logK, mulK, divK, reluGradK, reluK, sigmoidGradK, sigmoidK, tanhGradK, tanhK } from './internal/kernels.js';
import { type Input, Variable, record } from './variable.js';

function unary(kernel: ElementwiseKernel, x: Tensor): Tensor {
  const out = zeros(x.shape, { backend: x.backend });
  x.backend.run(kernel, { tensors: { x, out } });
  return out;
}

function gradOf(kernel: ElementwiseKernel, tensors: Record<string, Tensor>, like: Tensor): Tensor {
  const out = zeros(like.shape, { backend: like.backend });
  like.backend.run(kernel, { tensors: { ...tensors, out } });
  return out;
}

/**
 * `max(x, 0)` elementwise. Backward: `g` where `x > 0`, else 0 (torch's convention at 0).
 *
 * @param x - a variable or tensor.
 * @example
 * const h = relu(linear(x, w, b));
 */
export function relu(x: Input): Variable {
  const v = Variable.from(x);
  return record('relu', unary(reluK, v.value), [v], (g) => [gradOf(reluGradK, { g, x: v.value }, g)]);
}

/**
 * `tanh x` elementwise. Backward: `g · (1 − y²)`.
 *
 * @param x - a variable or tensor.
 * @example
 * const h = tanh(x);
 */
export function tanh(x: Input): Variable {
  const v = Variable.from(x);
  const y = unary(tanhK, v.value);
  return record('tanh', y, [v], (g) => [gradOf(tanhGradK, { g, y }, g)]);
}

/**
 * The logistic function `1 / (1 + e^−x)`. Backward: `g · y · (1 − y)`.
 *
 * @param x - a variable or tensor.
 * @example
 * const p = sigmoid(logits);
 */
export function sigmoid(x: Input): Variable {
  const v = Variable.from(x);
  const y = unary(sigmoidK, v.value);
  return record('sigmoid', y, [v], (g) => [gradOf(sigmoidGradK, { g, y }, g)]);
}

/**
 * `e^x` elementwise. Backward: `g · e^x`.
 *
 * @param x - a variable or tensor.
 * @example
 * const y = exp(x);
 */
export function exp(x: Input): Variable {
  const v = Variable.from(x);
  const y = unary(expK, v.value);
  return record('exp', y, [v], (g) => [gradOf(mulK, { a: g, b: y }, g)]);
}

/**
 * The natural logarithm elementwise. Backward: `g / x`.
 *
 * @param x - a variable or tensor.
 * @example
 * const y = log(x);
 */
export function log(x: Input): Variable {
  const v = Variable.from(x);
  return record('log', unary(logK, v.value), [v], (g) => [gradOf(divK, { a: g, b: v.value }, g)]);
}
