import { type Expr, uniformTest } from '@tsoptim/core';

/**
 * A kernel body split for tfjs: every uniform sub-expression (made only of scalars and constants, such as
 * `1 − β₂` or a bias correction) is taken out and evaluated on the host in float64 at each run, as the CPU
 * backend and torch do; in float32 on the device `1 − fround(0.999)` is already 1.3e-5 off. A leaf
 * `{ kind: 'hoisted', index }` stands for `hoisted[index]`.
 */
/** A leaf standing for a host-evaluated value (never seen outside this package). */
export interface HoistedLeaf {
  readonly kind: 'hoisted';
  readonly index: number;
}

export type TfExpr = Expr | HoistedLeaf | TfNode;

/** A non-uniform node whose children may be hoisted leaves. */
export type TfNode =
  | { readonly kind: 'unary'; readonly op: Extract<Expr, { kind: 'unary' }>['op']; readonly a: TfExpr }
  | { readonly kind: 'binary'; readonly op: Extract<Expr, { kind: 'binary' }>['op']; readonly a: TfExpr; readonly b: TfExpr }
  | { readonly kind: 'select'; readonly cond: TfExpr; readonly a: TfExpr; readonly b: TfExpr };

export interface SplitTfBody {
  /** The output roots, with uniform sub-expressions replaced by hoisted leaves. */
  readonly roots: readonly TfExpr[];
  /** The host-evaluated expressions. */
  readonly hoisted: readonly Expr[];
}

/** Splits a body into a per-element part and host-evaluated uniform parts (sharing preserved). */
export function splitUniform(roots: readonly Expr[], hostInputs: readonly string[] = []): SplitTfBody {
  const hoisted: Expr[] = [];
  const leafOf = new Map<Expr, HoistedLeaf>();
  const isUniform = uniformTest(hostInputs);
  const memo = new Map<Expr, TfExpr>();
  const visit = (n: Expr): TfExpr => {
    const done = memo.get(n);
    if (done !== undefined) return done;
    let out: TfExpr;
    if (isUniform(n)) {
      let leaf = leafOf.get(n);
      if (leaf === undefined) {
        leaf = { kind: 'hoisted', index: hoisted.length };
        hoisted.push(n);
        leafOf.set(n, leaf);
      }
      out = leaf;
    } else {
      switch (n.kind) {
        case 'unary':
          out = { kind: 'unary', op: n.op, a: visit(n.a) };
          break;
        case 'binary':
          out = { kind: 'binary', op: n.op, a: visit(n.a), b: visit(n.b) };
          break;
        case 'select':
          out = { kind: 'select', cond: visit(n.cond), a: visit(n.a), b: visit(n.b) };
          break;
        default:
          out = n;
      }
    }
    memo.set(n, out);
    return out;
  };
  return { roots: roots.map(visit), hoisted };
}

/** Evaluates a tree of scalars and constants on the host in float64, with the CPU backend's semantics. */
export function evalHost(e: Expr, scalar: (name: string) => number, input: (name: string) => number = () => Number.NaN): number {
  switch (e.kind) {
    case 'const':
      return e.value;
    case 'scalar':
      return scalar(e.name);
    case 'input':
      return input(e.name);
    case 'select':
      return evalHost(e.cond, scalar, input) !== 0 ? evalHost(e.a, scalar, input) : evalHost(e.b, scalar, input);
    case 'unary': {
      const a = evalHost(e.a, scalar, input);
      switch (e.op) {
        case 'neg':
          return -a;
        case 'not':
          return a === 0 ? 1 : 0;
        case 'sign':
          return a > 0 ? 1 : a < 0 ? -1 : a;
        default:
          return Math[e.op](a);
      }
    }
    case 'binary': {
      const a = evalHost(e.a, scalar, input);
      const b = evalHost(e.b, scalar, input);
      switch (e.op) {
        case 'add':
          return a + b;
        case 'sub':
          return a - b;
        case 'mul':
          return a * b;
        case 'div':
          return a / b;
        case 'max':
          return Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.max(a, b);
        case 'min':
          return Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.min(a, b);
        case 'pow':
          return a ** b;
        case 'lt':
          return a < b ? 1 : 0;
        case 'le':
          return a <= b ? 1 : 0;
        case 'gt':
          return a > b ? 1 : 0;
        case 'ge':
          return a >= b ? 1 : 0;
        case 'eq':
          return a === b ? 1 : 0;
        case 'ne':
          return a !== b ? 1 : 0;
        case 'and':
          return a !== 0 && b !== 0 ? 1 : 0;
        case 'or':
          return a !== 0 || b !== 0 ? 1 : 0;
      }
    }
  }
}
