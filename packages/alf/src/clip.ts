import { SparseTensor, type Tensor, ValueError, norm, zeros } from '@tsoptim/core';
import { accumulateK, clipByNormK, clipBySumSqK, sqrtK, sumSqR } from './internal/kernels.js';

/** A gradient as an optimizer holds it: dense, sparse (its values are clipped), or null (skipped). */
export type ClipTarget = Tensor | SparseTensor | null;

function dense(t: Tensor | SparseTensor): Tensor {
  return SparseTensor.isSparse(t) ? t.values : t;
}

function checkClip(clipNorm: number): void {
  if (!(typeof clipNorm === 'number' && clipNorm > 0)) throw new ValueError(`clip_norm must be positive, got ${clipNorm}`);
}

/**
 * Clips each tensor in place to an L2 norm of at most `clipNorm` (ALF's `tensor_utils.clip_by_norms`):
 * t ← t · min(1, clipNorm / ‖t‖). One norm reduction and one scale kernel per tensor; nothing is read back.
 * A sparse gradient is clipped through its values (assumed coalesced).
 *
 * @throws ValueError unless clipNorm > 0.
 * @example
 * clipByNorms(params.map((p) => p.grad), 1.0);
 */
export function clipByNorms(tensors: Iterable<ClipTarget>, clipNorm: number): void {
  checkClip(clipNorm);
  for (const t of tensors) {
    if (t === null || t === undefined) continue;
    const g = dense(t);
    const n = norm(g);
    g.backend.run(clipByNormK, { tensors: { g, n }, scalars: { clip: clipNorm } });
    n.dispose();
  }
}

/**
 * Clips tensors in place by their global norm (ALF's `tensor_utils.clip_by_global_norm`, after TensorFlow):
 * with G = √(Σᵢ‖tᵢ‖²), every tᵢ ← tᵢ · min(1, clipNorm / G). The squared norms are accumulated on the
 * backend (one reduction per tensor) and each tensor is scaled by one kernel; nothing is read back.
 *
 * @returns the global norm G as a 0-d tensor on the first tensor's backend (null when there is no tensor).
 * @throws ValueError unless clipNorm > 0, or when the tensors are on different backends.
 * @example
 * const g = clipByGlobalNorm(params.map((p) => p.grad), 1.0);
 * console.log(g?.item());
 */
export function clipByGlobalNorm(tensors: Iterable<ClipTarget>, clipNorm: number): Tensor | null {
  checkClip(clipNorm);
  const list = [...tensors].filter((t): t is Tensor | SparseTensor => t !== null && t !== undefined).map(dense);
  if (list.length === 0) return null;
  const backend = list[0]!.backend;
  if (list.some((g) => g.backend !== backend)) throw new ValueError('clipByGlobalNorm: every tensor must be on the same backend');
  const total = zeros([], { backend });
  const part = zeros([], { backend });
  for (const g of list) {
    backend.reduce(sumSqR, { tensors: { x: g }, out: part });
    backend.run(accumulateK, { tensors: { y: total, x: part } });
  }
  part.dispose();
  for (const g of list) backend.run(clipBySumSqK, { tensors: { g, s: total }, scalars: { clip: clipNorm } });
  backend.run(sqrtK, { tensors: { x: total } });
  return total;
}
