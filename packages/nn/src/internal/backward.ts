import { type MatmulArgs, Parameter, RuntimeError, SparseTensor, type Tensor } from '@tsoptim/core';
import { graphConsumed, runScoped, tensor, zeros } from './alloc.js';
import type { Variable } from '../variable.js';
import { addK, accumulateK } from './kernels.js';

interface Slot {
  t: Tensor;
  /** True when the engine may add into `t` in place (nothing else holds it). */
  owned: boolean;
}

const FREED =
  'Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). ' +
  'Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). ' +
  'Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.';

/** Variables that `root` depends on through recorded operations, in reverse topological order (root first). */
function reverseTopo(root: Variable): Variable[] {
  const order: Variable[] = [];
  const seen = new Set<Variable>([root]);
  const stack: [Variable, number][] = [[root, 0]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const [v, i] = top;
    const parents = v.node?.parents ?? [];
    if (i < parents.length) {
      top[1] = i + 1;
      const p = parents[i]!;
      if (p.requiresGrad && !seen.has(p)) {
        seen.add(p);
        stack.push([p, 0]);
      }
    } else {
      stack.pop();
      order.push(v);
    }
  }
  return order.reverse();
}

function add(a: Tensor, b: Tensor): Tensor {
  const out = zeros(a.shape, { backend: a.backend });
  a.backend.run(addK, { tensors: { a, b, out } });
  return out;
}

const SPARSE_GRAD = 'cannot accumulate a dense gradient into the sparse gradient of a parameter';

/**
 * The gradient of operand `v`, a product `op(a)·op(b)`. When `v` is a parameter leaf it is written straight
 * into its `.grad`: added to it (`accumulate`), or, when null, into the parameter's own gradient storage; null is
 * returned (the backward pass then has nothing to add). Otherwise it goes into a new tensor of `v`'s shape.
 * @throws RuntimeError when the parameter holds a sparse gradient.
 */
export function productGrad(v: Variable, args: Omit<MatmulArgs, 'out' | 'accumulate'>): Tensor | null {
  const backend = args.a.backend;
  const p = v.param?.requiresGrad ? v.param : null;
  const g = p?.grad;
  if (SparseTensor.isSparse(g)) throw new RuntimeError(SPARSE_GRAD);
  const out = p ? (g ?? p.gradBuffer()) : zeros(v.shape, { backend });
  backend.matmul({ ...args, out, accumulate: g != null });
  return p ? null : out;
}

/** Adds the gradient into `param.grad`, or writes it into the parameter's own gradient storage when null. */
function accumulateInto(param: Parameter, slot: Slot): void {
  const g = param.grad;
  if (g === null) {
    param.gradBuffer().copy_(slot.t);
    return;
  }
  if (SparseTensor.isSparse(g)) {
    throw new RuntimeError(SPARSE_GRAD);
  }
  g.backend.run(accumulateK, { tensors: { x: slot.t, y: g } });
}

/**
 * The backward pass: gradients flow from `root` to every leaf parameter, accumulating into `.grad` (the
 * parameters' own storage). The pass's temporaries are released when it returns; without `retainGraph`, the
 * graph counts as consumed (see `graphConsumed`).
 */
export function runBackward(root: Variable, gradient: Tensor | undefined, retainGraph: boolean): void {
  runScoped(() => {
    const v = root.value;
    pass(root, gradient ?? tensor(new Float32Array([1]), { backend: v.backend, shape: v.shape }), retainGraph);
  });
  if (!retainGraph) graphConsumed();
}

function pass(root: Variable, gradient: Tensor, retainGraph: boolean): void {
  const order = reverseTopo(root);
  const grads = new Map<Variable, Slot>([[root, { t: gradient, owned: false }]]);
  for (const v of order) {
    const slot = grads.get(v);
    if (slot === undefined) continue;
    grads.delete(v);
    if (v.param !== null) {
      if (Parameter.isParameter(v.param) && v.param.requiresGrad) accumulateInto(v.param, slot);
      continue;
    }
    const node = v.node;
    if (node === null) continue;
    const fn = node.backward;
    if (fn === null) throw new RuntimeError(FREED);
    const needs = node.parents.map((p) => p.requiresGrad);
    const outs = fn(slot.t, needs);
    if (!retainGraph) node.backward = null;
    node.parents.forEach((p, i) => {
      const t = outs[i];
      if (!needs[i] || t === null || t === undefined) return;
      const owned = t !== slot.t && outs.filter((o) => o === t).length === 1;
      const prev = grads.get(p);
      if (prev === undefined) {
        grads.set(p, { t, owned });
      } else if (prev.owned) {
        prev.t.backend.run(accumulateK, { tensors: { x: t, y: prev.t } });
      } else {
        grads.set(p, { t: add(prev.t, t), owned: true });
      }
    });
  }
}
