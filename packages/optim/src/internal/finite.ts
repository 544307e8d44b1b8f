import { type Backend, type Parameter, type Tensor, defineReduction, isSparseTensor, zeros } from '@tsoptim/core';
import * as k from '@tsoptim/core/expr';

/** Σ (x − x): 0 when every element is finite, NaN as soon as one is NaN or ±∞. One pass, no host loop. */
const nonFiniteReduction = defineReduction({ name: 'nonfinite', inputs: ['x'], body: ({ x }) => k.sub(x, x), combine: 'sum' });

const outs = new WeakMap<Backend, Tensor>();

function out(backend: Backend): Tensor {
  let t = outs.get(backend);
  if (t === undefined) {
    t = zeros([1], { backend });
    outs.set(backend, t);
  }
  return t;
}

/** Whether one tensor's elements are all finite (one fused reduction through its backend). */
export function isFiniteTensor(x: Tensor): boolean {
  const o = out(x.backend);
  x.backend.reduce(nonFiniteReduction, { tensors: { x }, out: o });
  return x.backend.readSync(o)[0] === 0;
}

/** Whether every gradient (dense, or a sparse gradient's values) of `params` is finite. */
export function finiteGradients(params: readonly Parameter[]): boolean {
  for (const p of params) {
    const g = p.grad;
    if (g === null) continue;
    if (!isFiniteTensor(isSparseTensor(g) ? g.values : g)) return false;
  }
  return true;
}
