import { ValueError } from '../errors.js';
import { type Expr, type ExprLike, isExpr, c } from './expr.js';

type Symbols<N extends string> = { readonly [K in N]: Expr };

/** What an elementwise kernel is: named tensor inputs and outputs, named scalars, and one body per output. */
export interface ElementwiseKernel<I extends string = string, S extends string = string, O extends string = string> {
  readonly kind: 'elementwise';
  /** Unique per definition; backends cache compiled code by it. */
  readonly id: string;
  readonly name: string;
  readonly inputs: readonly I[];
  readonly scalars: readonly S[];
  readonly outputs: readonly O[];
  /** The per-element value written to each output, computed from the values read before any write. */
  readonly body: { readonly [K in O]: Expr };
}

/** A reduction: a per-element expression combined over all elements or along axes, then finalised. */
export interface ReductionKernel<I extends string = string, S extends string = string> {
  readonly kind: 'reduction';
  readonly id: string;
  readonly name: string;
  readonly inputs: readonly I[];
  readonly scalars: readonly S[];
  /** The per-element term. */
  readonly body: Expr;
  readonly combine: 'sum' | 'max' | 'min';
  /**
   * Applied once per output element to the combined value: an expression over the special inputs
   * `acc` (the combined value) and `count` (how many elements were combined) and the scalars.
   */
  readonly finalize: Expr | null;
}

let nextId = 0;

function symbols<N extends string>(kind: 'input' | 'scalar', names: readonly N[]): Symbols<N> {
  const out = {} as Record<N, Expr>;
  for (const n of names) out[n] = { kind, name: n };
  return out;
}

function checkNames(kernel: string, names: readonly string[]): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(n)) throw new ValueError(`kernel ${kernel}: invalid name '${n}'`);
    if (seen.has(n)) throw new ValueError(`kernel ${kernel}: duplicate name '${n}'`);
    seen.add(n);
  }
}

/**
 * Defines an elementwise kernel once, for every backend.
 *
 * The body runs once, here, on symbolic values; it returns the value of each output. All inputs are read
 * before any output is written, so an output may also be an input (an in-place update).
 *
 * @example
 * const axpy = defineKernel({
 *   name: 'axpy', inputs: ['x', 'y'], scalars: ['a'], outputs: ['y'],
 *   body: ({ x, y }, { a }) => ({ y: add(y, mul(a, x)) }),
 * });
 * backend.run(axpy, { tensors: { x, y }, scalars: { a: 2 } });
 */
export function defineKernel<const I extends string, const S extends string, const O extends string>(spec: {
  name: string;
  inputs: readonly I[];
  scalars?: readonly S[];
  outputs: readonly O[];
  body: (inputs: Symbols<I>, scalars: Symbols<S>) => { readonly [K in O]: ExprLike };
}): ElementwiseKernel<I, S, O> {
  const scalars = spec.scalars ?? ([] as readonly S[]);
  checkNames(spec.name, [...spec.inputs, ...scalars]);
  checkNames(spec.name, spec.outputs);
  const raw = spec.body(symbols('input', spec.inputs), symbols('scalar', scalars));
  const body = {} as Record<O, Expr>;
  for (const o of spec.outputs) {
    const v = raw[o];
    if (v === undefined) throw new ValueError(`kernel ${spec.name}: the body returns no value for output '${o}'`);
    body[o] = isExpr(v) ? v : c(v);
  }
  return {
    kind: 'elementwise',
    id: `${spec.name}#${nextId++}`,
    name: spec.name,
    inputs: spec.inputs,
    scalars,
    outputs: spec.outputs,
    body,
  };
}

/**
 * Defines a reduction once, for every backend: `finalize(combine over elements of body)`.
 *
 * @example
 * const sumSquares = defineReduction({ name: 'sumsq', inputs: ['x'], body: ({ x }) => mul(x, x), combine: 'sum' });
 */
export function defineReduction<const I extends string, const S extends string = never>(spec: {
  name: string;
  inputs: readonly I[];
  scalars?: readonly S[];
  body: (inputs: Symbols<I>, scalars: Symbols<S>) => ExprLike;
  combine: 'sum' | 'max' | 'min';
  finalize?: (acc: Expr, count: Expr, scalars: Symbols<S>) => ExprLike;
}): ReductionKernel<I, S> {
  const scalars = spec.scalars ?? ([] as readonly S[]);
  checkNames(spec.name, [...spec.inputs, ...scalars, 'acc', 'count']);
  const b = spec.body(symbols('input', spec.inputs), symbols('scalar', scalars));
  const sc = symbols('scalar', scalars);
  const f = spec.finalize?.({ kind: 'input', name: 'acc' }, { kind: 'input', name: 'count' }, sc);
  return {
    kind: 'reduction',
    id: `${spec.name}#${nextId++}`,
    name: spec.name,
    inputs: spec.inputs,
    scalars,
    body: isExpr(b) ? b : c(b),
    combine: spec.combine,
    finalize: f === undefined ? null : isExpr(f) ? f : c(f),
  };
}

/**
 * A family of kernels that differ by compile-time flags (maximize, amsgrad, nesterov...). Each distinct
 * flag combination is defined once, on first use, and cached; flags never become per-element branches.
 */
export function kernelFamily<F extends Record<string, boolean | number | string>, K>(build: (flags: F) => K): (flags: F) => K {
  const cache = new Map<string, K>();
  return (flags: F): K => {
    // Cheap per call (this runs once per tensor per step): flags in their own key order. A call site that
    // orders its flags differently only gets its own copy of the same kernel.
    let key = '';
    for (const k in flags) key += `${k}=${flags[k]};`;
    let k = cache.get(key);
    if (k === undefined) {
      k = build(flags);
      cache.set(key, k);
    }
    return k;
  };
}
