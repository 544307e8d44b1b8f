/**
 * Every tensor this package allocates goes through here, so that {@link tidy} can release the ones a
 * training step no longer needs. Same signatures as core's factories and reductions.
 */
import {
  Parameter,
  type ReduceOptions,
  type Shape,
  Tensor,
  shapesEqual,
  type TensorData,
  type TensorOptions,
  mean as coreMean,
  reductionDims,
  sum as coreSum,
  tensor as coreTensor,
  zeros as coreZeros,
} from '@tsoptim/core';

const scopes: Set<Tensor>[] = [];
/** Gradients this package created as `Parameter.grad`, released once the parameter lets go of them. */
const grads = new Map<Tensor, Parameter>();

/** Adds `t` to the innermost open scope. */
export function track<T extends Tensor>(t: T): T {
  scopes[scopes.length - 1]?.add(t);
  return t;
}

/** `t` became `param.grad`: it outlives scopes until the parameter drops it. */
export function adoptGrad(t: Tensor, param: Parameter): void {
  for (const s of scopes) s.delete(t);
  if (scopes.length > 0) grads.set(t, param);
}

export function zeros(shape: Shape, options: Omit<TensorOptions, 'shape'> = {}): Tensor {
  return track(coreZeros(shape, options));
}

export function tensor(data: TensorData, options: TensorOptions = {}): Tensor {
  return track(coreTensor(data, options));
}

function reducedShape(shape: Shape, options: ReduceOptions): number[] {
  const keep = options.keepDim ?? options.keepDims ?? false;
  const dims = reductionDims(options);
  if (dims === undefined) return keep ? shape.map(() => 1) : [];
  const set = new Set(dims.map((a) => (a < 0 ? a + shape.length : a)));
  return shape.flatMap((d, i) => (set.has(i) ? (keep ? [1] : []) : [d]));
}

export function sum(x: Tensor, options: ReduceOptions = {}): Tensor {
  return coreSum(x, { ...options, out: zeros(reducedShape(x.shape, options), { backend: x.backend }) });
}

export function mean(x: Tensor, options: ReduceOptions = {}): Tensor {
  return coreMean(x, { ...options, out: zeros(reducedShape(x.shape, options), { backend: x.backend }) });
}

/** Re-wraps a freshly made tensor with another shape of the same size; `t` must not be used afterwards. */
export function retag(t: Tensor, shape: Shape): Tensor {
  if (shapesEqual(t.shape, shape)) return t;
  const n = new Tensor(t.backend, shape, t.storage);
  for (const s of scopes) if (s.delete(t)) s.add(n);
  return n;
}

export function clone(t: Tensor): Tensor {
  return zeros(t.shape, { backend: t.backend }).copy_(t);
}

function collect(x: unknown, out: Set<Tensor>, depth: number): void {
  if (typeof x !== 'object' || x === null || depth > 3) return;
  const v = x as { value?: unknown; [k: string]: unknown };
  if ('storage' in v && 'shape' in v && 'backend' in v) {
    out.add(v as unknown as Tensor);
    return;
  }
  if (Array.isArray(x)) {
    for (const e of x) collect(e, out, depth + 1);
    return;
  }
  for (const key of Object.keys(v)) collect(v[key], out, depth + 1);
}

/** Opens a scope, runs `fn`, then releases what the scope allocated except what `fn` returned. */
export function runScoped<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T | undefined;
  try {
    result = fn();
    return result;
  } finally {
    scopes.pop();
    const kept = new Set<Tensor>();
    collect(result, kept, 0);
    const outer = scopes[scopes.length - 1];
    for (const t of scope) {
      if (kept.has(t)) outer?.add(t);
      else if (!grads.has(t) && !Parameter.isParameter(t)) t.dispose();
    }
    for (const [g, p] of grads) {
      if (p.grad !== g && !kept.has(g)) {
        grads.delete(g);
        g.dispose();
      }
    }
  }
}
