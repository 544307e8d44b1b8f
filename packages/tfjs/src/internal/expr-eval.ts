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
