/**
 * The per-element expression language of elementwise kernels and reductions.
 *
 * A kernel body is built once, at definition time, from these helpers; the result is a small DAG of plain
 * objects that every backend compiles (a JS loop on the CPU, WebAssembly SIMD, a gpu.js kernel). A node used
 * more than once is computed once: sharing is by object identity, so bind a sub-expression to a `const` and
 * reuse it.
 */

export type UnaryOp = 'neg' | 'sqrt' | 'abs' | 'exp' | 'log' | 'sign' | 'tanh' | 'floor' | 'not' | 'cos' | 'sin';
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min' | 'pow' | 'lt' | 'le' | 'gt' | 'ge' | 'eq' | 'ne' | 'and' | 'or';

/** One node of a kernel body. Comparisons and logical ops yield 1 or 0. */
export type Expr =
  | { readonly kind: 'input'; readonly name: string }
  | { readonly kind: 'scalar'; readonly name: string }
  | { readonly kind: 'const'; readonly value: number }
  | { readonly kind: 'unary'; readonly op: UnaryOp; readonly a: Expr }
  | { readonly kind: 'binary'; readonly op: BinaryOp; readonly a: Expr; readonly b: Expr }
  | { readonly kind: 'select'; readonly cond: Expr; readonly a: Expr; readonly b: Expr };

/** A number or an expression; numbers become constants. */
export type ExprLike = Expr | number;

export function isExpr(x: unknown): x is Expr {
  return typeof x === 'object' && x !== null && typeof (x as { kind?: unknown }).kind === 'string';
}

/** A literal constant. */
export function c(value: number): Expr {
  return { kind: 'const', value };
}

function e(x: ExprLike): Expr {
  return typeof x === 'number' ? c(x) : x;
}

function un(op: UnaryOp) {
  return (a: ExprLike): Expr => ({ kind: 'unary', op, a: e(a) });
}
function bin(op: BinaryOp) {
  return (a: ExprLike, b: ExprLike): Expr => ({ kind: 'binary', op, a: e(a), b: e(b) });
}

export const neg = /*#__PURE__*/ un('neg');
export const sqrt = /*#__PURE__*/ un('sqrt');
export const abs = /*#__PURE__*/ un('abs');
export const exp = /*#__PURE__*/ un('exp');
export const log = /*#__PURE__*/ un('log');
/** -1, 0 or 1 (0 for 0, as torch.sign). */
export const sign = /*#__PURE__*/ un('sign');
export const tanh = /*#__PURE__*/ un('tanh');
export const floor = /*#__PURE__*/ un('floor');
export const cos = /*#__PURE__*/ un('cos');
export const sin = /*#__PURE__*/ un('sin');
/** 1 where `a` is 0, else 0. */
export const not = /*#__PURE__*/ un('not');
export const sub = /*#__PURE__*/ bin('sub');
export const div = /*#__PURE__*/ bin('div');
export const max = /*#__PURE__*/ bin('max');
export const min = /*#__PURE__*/ bin('min');
export const pow = /*#__PURE__*/ bin('pow');
export const lt = /*#__PURE__*/ bin('lt');
export const le = /*#__PURE__*/ bin('le');
export const gt = /*#__PURE__*/ bin('gt');
export const ge = /*#__PURE__*/ bin('ge');
export const eq = /*#__PURE__*/ bin('eq');
export const ne = /*#__PURE__*/ bin('ne');
export const and = /*#__PURE__*/ bin('and');
export const or = /*#__PURE__*/ bin('or');

/** Sum of two or more terms. */
export function add(a: ExprLike, b: ExprLike, ...rest: ExprLike[]): Expr {
  let acc: Expr = { kind: 'binary', op: 'add', a: e(a), b: e(b) };
  for (const r of rest) acc = { kind: 'binary', op: 'add', a: acc, b: e(r) };
  return acc;
}

/** Product of two or more factors. */
export function mul(a: ExprLike, b: ExprLike, ...rest: ExprLike[]): Expr {
  let acc: Expr = { kind: 'binary', op: 'mul', a: e(a), b: e(b) };
  for (const r of rest) acc = { kind: 'binary', op: 'mul', a: acc, b: e(r) };
  return acc;
}

/** `cond ? a : b`, element by element (cond is true where non-zero). */
export function select(cond: ExprLike, a: ExprLike, b: ExprLike): Expr {
  return { kind: 'select', cond: e(cond), a: e(a), b: e(b) };
}

/** `a + t * (b - a)`. */
export function lerp(a: ExprLike, b: ExprLike, t: ExprLike): Expr {
  return add(a, mul(t, sub(b, a)));
}

/** Clamps `x` into `[lo, hi]`. */
export function clamp(x: ExprLike, lo: ExprLike, hi: ExprLike): Expr {
  return min(max(x, lo), hi);
}

/** `1 / sqrt(x)`. */
export function rsqrt(x: ExprLike): Expr {
  return div(1, sqrt(x));
}

/** `x * x`. */
export function square(x: ExprLike): Expr {
  const v = e(x);
  return mul(v, v);
}

/**
 * Nodes of an expression DAG in evaluation order (children first), each once, with the number of parents
 * that use each node. Backends use this to emit one temporary per shared node.
 */
export function topoOrder(roots: readonly Expr[]): { order: Expr[]; uses: Map<Expr, number> } {
  const order: Expr[] = [];
  const uses = new Map<Expr, number>();
  const visit = (n: Expr): void => {
    const seen = uses.get(n);
    uses.set(n, (seen ?? 0) + 1);
    if (seen !== undefined) return;
    switch (n.kind) {
      case 'unary':
        visit(n.a);
        break;
      case 'binary':
        visit(n.a);
        visit(n.b);
        break;
      case 'select':
        visit(n.cond);
        visit(n.a);
        visit(n.b);
        break;
      default:
        break;
    }
    order.push(n);
  };
  for (const r of roots) visit(r);
  return { order, uses };
}
