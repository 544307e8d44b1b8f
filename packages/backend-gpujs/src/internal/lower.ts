import { type Expr, k, uniformTest } from '@tsoptim/core';

/**
 * Rewrites a kernel body into what a GPU evaluates as the CPU backend (and torch) do.
 *
 * - Uniform sub-expressions (built only from scalars and constants, such as `1 - beta2`) are taken out of the
 *   kernel and evaluated on the host in float64 at every run, then passed as one float32 argument. On the
 *   device they would be computed in float32: `1 - fround(0.999)` is off by 1.3e-5 relative, which torch
 *   (computing `1 - beta2` in Python floats) never sees. This is what keeps the GPU within float32 rounding
 *   of the fixtures.
 * - `pow(a, b)`: GLSL's `pow` is undefined for `a < 0` and for `pow(0, 0)`; torch gives `(-2)^3 = -8`,
 *   `(-2)^0.5 = NaN`, `0^0 = 1` and `0^-1 = ∞`. Lowered to `pow(|a|, b)` with those cases restored.
 * - Non-finite constants: gpu.js cannot spell `NaN` and turns `Infinity` into the largest finite float; they
 *   are passed as arguments too.
 *
 * Sharing is preserved: a node used twice is rewritten once (the emitter relies on object identity).
 */
export interface Lowered {
  readonly roots: Expr[];
  /** The host-evaluated arguments, in order (`x0`, `x1`...): each a tree of scalars and constants. */
  readonly hoisted: readonly Expr[];
  /** The scalar-leaf name standing for hoisted argument `i`. */
  readonly hoistedName: (i: number) => string;
}

/** Prefix of the hidden scalar names; kernel names cannot start with an underscore-digit, so no clash. */
const HOIST_PREFIX = '_k_hoisted';

export function lowerForGpu(roots: readonly Expr[]): Lowered {
  const hoisted: Expr[] = [];
  const hoistedName = (i: number): string => `${HOIST_PREFIX}${i}`;
  const byExpr = new Map<Expr, Expr>();
  const hoist = (e: Expr): Expr => {
    let leaf = byExpr.get(e);
    if (leaf === undefined) {
      leaf = { kind: 'scalar', name: hoistedName(hoisted.length) };
      hoisted.push(e);
      byExpr.set(e, leaf);
    }
    return leaf;
  };
  const specials = new Map<string, Expr>();
  const special = (value: number): Expr => {
    const key = Object.is(value, -0) ? '-0' : String(value);
    let e = specials.get(key);
    if (e === undefined) {
      e = hoist(k.c(value));
      specials.set(key, e);
    }
    return e;
  };
  // Which nodes are uniform (no tensor input below them).
  const isUniform = uniformTest();
  const memo = new Map<Expr, Expr>();
  const visit = (n: Expr): Expr => {
    const done = memo.get(n);
    if (done !== undefined) return done;
    let out: Expr;
    if (isUniform(n) && n.kind !== 'scalar' && n.kind !== 'const') {
      out = hoist(n);
    } else {
      switch (n.kind) {
        case 'const':
          out = Number.isFinite(n.value) ? n : special(n.value);
          break;
        case 'input':
        case 'scalar':
          out = n;
          break;
        case 'unary':
          out = { kind: 'unary', op: n.op, a: visit(n.a) };
          break;
        case 'select':
          out = { kind: 'select', cond: visit(n.cond), a: visit(n.a), b: visit(n.b) };
          break;
        case 'binary': {
          const a = visit(n.a);
          const b = visit(n.b);
          out = n.op === 'pow' ? lowerPow(a, b, special) : { kind: 'binary', op: n.op, a, b };
          break;
        }
      }
    }
    memo.set(n, out);
    return out;
  };
  return { roots: roots.map(visit), hoisted, hoistedName };
}

function lowerPow(a: Expr, b: Expr, special: (v: number) => Expr): Expr {
  if (b.kind === 'const' && b.value === 2) return k.mul(a, a);
  if (b.kind === 'const' && b.value === 1) return a;
  if (b.kind === 'const' && b.value === 0.5) return k.select(k.lt(a, 0), special(Number.NaN), k.sqrt(a));
  // |a|^b, then: b = 0 → 1; a < 0 → (b integer ? ±|a|^b : NaN); a = 0 → (b < 0 ? ∞ : 0).
  const mag: Expr = { kind: 'binary', op: 'pow', a: k.abs(a), b };
  const isInt = k.eq(k.floor(b), b);
  const isOdd = k.ne(k.mul(k.floor(k.mul(b, 0.5)), 2), b);
  const negative = k.select(isInt, k.select(isOdd, k.neg(mag), mag), special(Number.NaN));
  const zeroBase = k.select(k.lt(b, 0), special(Number.POSITIVE_INFINITY), 0);
  return k.select(k.eq(b, 0), 1, k.select(k.lt(a, 0), negative, k.select(k.eq(a, 0), zeroBase, mag)));
}

/** Replaces `input` leaves named in `values` by constants (a reduction's `count`). */
export function substituteInputs(e: Expr, values: Readonly<Record<string, number>>): Expr {
  const memo = new Map<Expr, Expr>();
  const visit = (n: Expr): Expr => {
    const done = memo.get(n);
    if (done !== undefined) return done;
    let out: Expr;
    switch (n.kind) {
      case 'input':
        out = n.name in values ? k.c(values[n.name]!) : n;
        break;
      case 'scalar':
      case 'const':
        out = n;
        break;
      case 'unary':
        out = { kind: 'unary', op: n.op, a: visit(n.a) };
        break;
      case 'binary':
        out = { kind: 'binary', op: n.op, a: visit(n.a), b: visit(n.b) };
        break;
      case 'select':
        out = { kind: 'select', cond: visit(n.cond), a: visit(n.a), b: visit(n.b) };
        break;
    }
    memo.set(n, out);
    return out;
  };
  return visit(e);
}
