import * as tf from '@tensorflow/tfjs-core';
import type { TfExpr } from './expr-eval.js';

type T = tf.Tensor;

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** numpy broadcast of two shapes (both already known to broadcast: planRun checked the bindings). */
function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    out[i] = da === 1 ? db : da;
  }
  return out;
}

function to(x: T, shape: readonly number[]): T {
  return sameShape(x.shape, shape) ? x : tf.broadcastTo(x, shape as number[]);
}

const f32 = (x: T): T => tf.cast(x, 'float32');
const truthy = (x: T): T => tf.notEqual(x, 0);

/**
 * Evaluates a (split) kernel body as a chain of tfjs ops. Call inside `tf.tidy`: every intermediate is a tfjs
 * tensor the tidy disposes. Every node yields float32 (comparisons and logical ops 1 or 0, as in core).
 *
 * @param leaf - the tfjs tensor bound to an `input` name (already shaped for the iteration space).
 * @param hoisted - host-evaluated values of the hoisted leaves (float64, rounded once to float32 here).
 */
export function evalChain(roots: readonly TfExpr[], leaf: (name: string) => T, hoisted: readonly number[]): T[] {
  const memo = new Map<TfExpr, T>();
  const scalars = new Map<number, T>();
  const scalar = (v: number): T => {
    let s = scalars.get(v);
    if (s === undefined) {
      s = tf.scalar(v, 'float32');
      scalars.set(v, s);
    }
    return s;
  };
  const visit = (n: TfExpr): T => {
    const done = memo.get(n);
    if (done !== undefined) return done;
    let out: T;
    switch (n.kind) {
      case 'hoisted':
        out = scalar(hoisted[n.index]!);
        break;
      case 'const':
        out = scalar(n.value);
        break;
      case 'scalar':
        // Never reached: scalars are uniform and always hoisted.
        throw new Error(`unexpected scalar leaf ${n.name}`);
      case 'input':
        out = leaf(n.name);
        break;
      case 'unary':
        out = unary(n.op, visit(n.a));
        break;
      case 'binary':
        out = binary(n.op, visit(n.a), visit(n.b));
        break;
      case 'select': {
        const cond = visit(n.cond);
        const a = visit(n.a);
        const b = visit(n.b);
        const shape = broadcastShape(broadcastShape(cond.shape, a.shape), b.shape);
        out = tf.where(truthy(to(cond, shape)), to(a, shape), to(b, shape));
        break;
      }
    }
    memo.set(n, out);
    return out;
  };
  return roots.map(visit);
}

function unary(op: Extract<TfExpr, { kind: 'unary' }>['op'], a: T): T {
  switch (op) {
    case 'neg':
      return tf.neg(a);
    case 'sqrt':
      return tf.sqrt(a);
    case 'abs':
      return tf.abs(a);
    case 'exp':
      return tf.exp(a);
    case 'log':
      return tf.log(a);
    case 'sign':
      return tf.sign(a);
    case 'tanh':
      return tf.tanh(a);
    case 'floor':
      return tf.floor(a);
    case 'not':
      return f32(tf.equal(a, 0));
    case 'cos':
      return tf.cos(a);
    case 'sin':
      return tf.sin(a);
  }
}

function binary(op: Extract<TfExpr, { kind: 'binary' }>['op'], a: T, b: T): T {
  switch (op) {
    case 'add':
      return tf.add(a, b);
    case 'sub':
      return tf.sub(a, b);
    case 'mul':
      return tf.mul(a, b);
    case 'div':
      return tf.div(a, b);
    case 'max':
      return tf.maximum(a, b);
    case 'min':
      return tf.minimum(a, b);
    case 'pow':
      return tf.pow(a, b);
    case 'lt':
      return f32(tf.less(a, b));
    case 'le':
      return f32(tf.lessEqual(a, b));
    case 'gt':
      return f32(tf.greater(a, b));
    case 'ge':
      return f32(tf.greaterEqual(a, b));
    case 'eq':
      return f32(tf.equal(a, b));
    case 'ne':
      return f32(tf.notEqual(a, b));
    case 'and':
      return f32(tf.logicalAnd(truthy(a), truthy(b)));
    case 'or':
      return f32(tf.logicalOr(truthy(a), truthy(b)));
  }
}

/** `x` as a tensor of exactly `shape` (broadcast when it is smaller, as a uniform root is). */
export function shapedAs(x: T, shape: readonly number[]): T {
  return to(x, shape);
}
