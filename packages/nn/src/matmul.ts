import { RuntimeError, enableSimdGemm } from '@tsoptim/core';
import { zeros } from './internal/alloc.js';
import { productGrad } from './internal/backward.js';
import { type Input, Variable, record } from './variable.js';

function cannotMultiply(n: number, k: number, k2: number, m: number): RuntimeError {
  return new RuntimeError(`mat1 and mat2 shapes cannot be multiplied (${n}x${k} and ${k2}x${m})`);
}

/**
 * The matrix product of two 2-d operands, `C[n×m] = A[n×k] · B[k×m]` (torch's `mm`). Backward:
 * `∂A = g·Bᵀ`, `∂B = Aᵀ·g`, with the transposes read in place by the backend (into a parameter's `.grad`
 * directly when the operand is one).
 *
 * Runs as the operands' backend's `matmul` (the CPU backend's WebAssembly SIMD GEMM, a gpu.js kernel...),
 * so values never leave the device.
 *
 * @param a - an n×k variable or tensor.
 * @param b - a k×m variable or tensor.
 * @throws RuntimeError when an operand is not 2-d or the inner sizes differ.
 * @example
 * const y = matmul(x, w); // [batch, in] · [in, out]
 */
export function matmul(a: Input, b: Input): Variable {
  const va = Variable.from(a);
  const vb = Variable.from(b);
  if (va.ndim !== 2 || vb.ndim !== 2) {
    throw new RuntimeError(`matmul expects 2-d operands, got ${va.ndim}-d and ${vb.ndim}-d`);
  }
  const [n, k] = va.shape as [number, number];
  const [k2, m] = vb.shape as [number, number];
  if (k !== k2) throw cannotMultiply(n, k, k2, m);
  const A = va.value;
  const B = vb.value;
  const backend = enableSimdGemm(A.backend);
  const out = zeros([n, m], { backend });
  backend.matmul({ a: A, b: B, out });
  return record('matmul', out, [va, vb], (g, needs) => [
    needs[0] ? productGrad(va, { a: g, b: B, transB: true }) : null,
    needs[1] ? productGrad(vb, { a: A, b: g, transA: true }) : null,
  ]);
}

/**
 * The affine map of a linear layer, `y = x·Wᵀ + b` (torch's `F.linear`), over the last dimension of `x`.
 * Backward: `∂x = g·W`, `∂W = gᵀ·x`, `∂b = 1ᵀ·g` (the sum over rows, as a product with a row of ones); the
 * parameters' gradients are written straight into their `.grad` (added to it when there is one).
 *
 * Runs as the backend's `matmul` with the weight read transposed in place and the bias added by the product
 * (see {@link matmul}).
 *
 * @param x - input `[..., in]`.
 * @param weight - `[out, in]`.
 * @param bias - `[out]`, or null.
 * @throws RuntimeError when the sizes do not fit.
 * @example
 * const y = linear(x, layer.weight, layer.bias);
 */
export function linear(x: Input, weight: Input, bias: Input | null = null): Variable {
  const vx = Variable.from(x);
  const vw = Variable.from(weight);
  const vb = bias === null ? null : Variable.from(bias);
  if (vw.ndim !== 2) throw new RuntimeError(`linear expects a 2-d weight, got ${vw.ndim}-d`);
  const [outF, inF] = vw.shape as [number, number];
  if (vx.ndim === 0) throw new RuntimeError('linear expects an input with at least one dimension');
  const last = vx.shape[vx.ndim - 1]!;
  const rows = vx.size / Math.max(last, 1);
  if (last !== inF) throw cannotMultiply(rows, last, inF, outF);
  if (vb !== null && (vb.ndim !== 1 || vb.size !== outF)) {
    throw new RuntimeError(`linear expects a bias of shape [${outF}], got [${vb.shape.join(', ')}]`);
  }
  const X = vx.value;
  const W = vw.value;
  const backend = enableSimdGemm(X.backend);
  const outShape = [...vx.shape.slice(0, -1), outF];
  const out = zeros(outShape, { backend });
  backend.matmul({ a: X, b: W, transB: true, bias: vb === null ? null : vb.value, out });
  const parents = vb === null ? [vx, vw] : [vx, vw, vb];
  return record('linear', out, parents, (g, needs) => {
    const dx = needs[0] ? productGrad(vx, { a: g, b: W }) : null;
    const dw = needs[1] ? productGrad(vw, { a: g, b: X, transA: true }) : null;
    // Σ over rows as a product with a row of ones: a GEMM on every backend, and it can add into .grad.
    const db = vb !== null && needs[2] ? productGrad(vb, { a: zeros([rows], { backend }).fill_(1), b: g }) : null;
    return [dx, dw, db];
  });
}
