import { RuntimeError, type Tensor } from '@tsoptim/core';
import { sum as coreSum, zeros } from './internal/alloc.js';
import { gemmNNPacked as gemmNN, gemmNT, gemmTNPacked as gemmTN } from './internal/matmul-cpu.js';
import { viewAs } from './internal/shape-utils.js';
import { type Input, Variable, record } from './variable.js';

function hostData(t: Tensor, op: string): Float32Array {
  if (!t.backend.liveReadSync) {
    throw new RuntimeError(`${op} runs on the host and needs a backend whose memory it can read and write in place (the CPU backend), not ${t.backend.name}`);
  }
  return t.data;
}

function cannotMultiply(n: number, k: number, k2: number, m: number): RuntimeError {
  return new RuntimeError(`mat1 and mat2 shapes cannot be multiplied (${n}x${k} and ${k2}x${m})`);
}

/**
 * The matrix product of two 2-d operands, `C[n×m] = A[n×k] · B[k×m]` (torch's `mm`). Backward:
 * `∂A = g·Bᵀ`, `∂B = Aᵀ·g`, without materialising a transpose.
 *
 * Runs on the host with cache-blocked float32 loops: the operands must live on a backend with synchronous
 * reads (the CPU backend).
 *
 * @param a - an n×k variable or tensor.
 * @param b - a k×m variable or tensor.
 * @throws RuntimeError when an operand is not 2-d, when the inner sizes differ, or on an asynchronous backend.
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
  const out = zeros([n, m], { backend: A.backend });
  gemmNN(hostData(A, 'matmul'), hostData(B, 'matmul'), out.data, n, k, m);
  return record('matmul', out, [va, vb], (g, needs) => {
    let da: Tensor | null = null;
    let db: Tensor | null = null;
    if (needs[0]) {
      da = zeros([n, k], { backend: A.backend });
      gemmNT(g.data, B.data, da.data, n, m, k);
    }
    if (needs[1]) {
      db = zeros([k, m], { backend: A.backend });
      gemmTN(A.data, g.data, db.data, n, k, m);
    }
    return [da, db];
  });
}

/**
 * The affine map of a linear layer, `y = x·Wᵀ + b` (torch's `F.linear`), over the last dimension of `x`.
 * Backward: `∂x = g·W`, `∂W = gᵀ·x`, `∂b = Σ_rows g`.
 *
 * Runs on the host (see {@link matmul}).
 *
 * @param x - input `[..., in]`.
 * @param weight - `[out, in]`.
 * @param bias - `[out]`, or null.
 * @throws RuntimeError when the sizes do not fit, or on an asynchronous backend.
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
  const outShape = [...vx.shape.slice(0, -1), outF];
  const out = zeros(outShape, { backend: X.backend });
  gemmNT(hostData(X, 'linear'), hostData(W, 'linear'), out.data, rows, inF, outF, vb === null ? null : hostData(vb.value, 'linear'));
  const parents = vb === null ? [vx, vw] : [vx, vw, vb];
  return record('linear', out, parents, (g, needs) => {
    let dx: Tensor | null = null;
    let dw: Tensor | null = null;
    let db: Tensor | null = null;
    if (needs[0]) {
      dx = zeros(vx.shape, { backend: X.backend });
      gemmNN(g.data, W.data, dx.data, rows, outF, inF);
    }
    if (needs[1]) {
      dw = zeros([outF, inF], { backend: X.backend });
      gemmTN(g.data, X.data, dw.data, rows, outF, inF);
    }
    if (vb !== null && needs[2]) {
      db = coreSum(viewAs(g, [rows, outF]), { dim: 0 });
    }
    return [dx, dw, db];
  });
}
