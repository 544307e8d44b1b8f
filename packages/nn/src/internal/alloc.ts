/**
 * Every tensor this package allocates goes through here, so that its lifetime is decided in one place:
 *
 * - inside {@link tidy}: the scope releases it when the scope ends (unless returned);
 * - inside a top-level {@link noGrad}: released when the call returns, unless it is part of the result; the
 *   result is released when the second `noGrad` call after it returns;
 * - otherwise (a training step): released when the second `backward()` after it was made finishes, i.e. the
 *   graph a `backward()` consumed stays readable until the next `backward()` (`loss.item()`, an accuracy from
 *   the logits), then goes.
 *
 * {@link keep} takes a tensor out of all of this (the caller releases it).
 */
import {
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

const BY_BACKWARD =
  'this value was released by backward(): values computed by @tsoptim/nn operations stay readable until the ' +
  'backward() after the one that consumed their graph; call keep(v) (or clone its value) to keep one longer';
const BY_NO_GRAD =
  'this value was released by a later noGrad(): a result of noGrad() stays readable until the second noGrad() ' +
  'call after it returns; call keep(v) (or clone its value) to keep one longer';
const BY_SCOPE = 'this value was released when the tidy() or noGrad() that made it returned';

/** Open tidy()/noGrad() scopes, innermost last. */
const scopes: Set<Tensor>[] = [];
/** Tensors made outside any scope since the last backward(), and those made before it. */
let stepMade = new Set<Tensor>();
let stepRetired = new Set<Tensor>();
/** Results of top-level noGrad() calls: of the last call, and of the one before. */
let evalMade = new Set<Tensor>();
let evalRetired = new Set<Tensor>();

/** Adds `t` to the innermost open scope, or to the current step. */
export function track<T extends Tensor>(t: T): T {
  const scope = scopes[scopes.length - 1];
  if (scope !== undefined) scope.add(t);
  else stepMade.add(t);
  return t;
}

/** Takes `t` out of every scope and pool: its holder releases it. True when it was tracked. */
export function untrack(t: Tensor): boolean {
  let hit = stepMade.delete(t) || stepRetired.delete(t) || evalMade.delete(t) || evalRetired.delete(t);
  for (const s of scopes) hit = s.delete(t) || hit;
  return hit;
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

function replaceIn(set: Set<Tensor>, t: Tensor, n: Tensor): boolean {
  if (!set.delete(t)) return false;
  set.add(n);
  return true;
}

/** Re-wraps a freshly made tensor with another shape of the same size; `t` must not be used afterwards. */
export function retag(t: Tensor, shape: Shape): Tensor {
  if (shapesEqual(t.shape, shape)) return t;
  const n = new Tensor(t.backend, shape, t.storage);
  for (const s of scopes) replaceIn(s, t, n);
  replaceIn(stepMade, t, n) || replaceIn(stepRetired, t, n) || replaceIn(evalMade, t, n) || replaceIn(evalRetired, t, n);
  return n;
}

export function clone(t: Tensor): Tensor {
  return zeros(t.shape, { backend: t.backend }).copy_(t);
}

function collect(x: unknown, out: Set<Tensor>, depth: number): void {
  if (typeof x !== 'object' || x === null || depth > 3) return;
  const v = x as { value?: unknown; [k: string]: unknown };
  if (Tensor.isTensor(v)) {
    out.add(v);
    return;
  }
  if (Array.isArray(x)) {
    for (const e of x) collect(e, out, depth + 1);
    return;
  }
  for (const key of Object.keys(v)) collect(v[key], out, depth + 1);
}

function release(set: Set<Tensor>, reason: string): void {
  for (const t of set) t.disposeBecause(reason);
}

/**
 * Opens a scope, runs `fn`, then releases what the scope allocated except what `fn` returned, which goes to
 * `keepInto` (the enclosing scope when omitted, else user-owned).
 */
export function runScoped<T>(fn: () => T, keepInto?: (t: Tensor) => void): T {
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
      if (!kept.has(t)) t.disposeBecause(BY_SCOPE);
      else if (outer !== undefined) outer.add(t);
      else keepInto?.(t);
    }
  }
}

/** True inside a tidy() or noGrad() scope. */
export function inScope(): boolean {
  return scopes.length > 0;
}

/**
 * A top-level noGrad(): what `fn` makes and does not return is released when it returns; what it returns is
 * released when the second top-level noGrad() after this one returns.
 */
export function runEvaluation<T>(fn: () => T): T {
  const results: Tensor[] = [];
  try {
    return runScoped(fn, (t) => results.push(t));
  } finally {
    const old = evalRetired;
    evalRetired = evalMade;
    evalMade = new Set(results);
    release(old, BY_NO_GRAD);
  }
}

/**
 * A backward() pass consumed its graph: release what was made before the previous backward(), and retire
 * what was made since (released by the next one).
 */
export function graphConsumed(): void {
  const old = stepRetired;
  stepRetired = stepMade;
  stepMade = new Set();
  release(old, BY_BACKWARD);
}
