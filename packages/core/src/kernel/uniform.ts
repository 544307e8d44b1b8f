import type { Expr } from './expr.js';

/**
 * A test for the parts of a kernel body that take one value for every element: sub-expressions made only of
 * scalars, constants and the inputs named in `uniformInputs` (inputs a backend binds as host values). Backends
 * evaluate such parts once per call, on the host in float64, instead of once per element in float32. The test
 * remembers each node it has seen, so running it over a whole body is linear in the body's size.
 *
 * @example
 * const isUniform = uniformTest();
 * isUniform(k.sub(1, beta2)); // true: hoisted and evaluated once per call
 */
export function uniformTest(uniformInputs: readonly string[] = []): (e: Expr) => boolean {
  const seen = new Map<Expr, boolean>();
  const test = (n: Expr): boolean => {
    const known = seen.get(n);
    if (known !== undefined) return known;
    let u: boolean;
    switch (n.kind) {
      case 'input':
        u = uniformInputs.includes(n.name);
        break;
      case 'scalar':
      case 'const':
        u = true;
        break;
      case 'unary':
        u = test(n.a);
        break;
      case 'binary':
        u = test(n.a) && test(n.b);
        break;
      case 'select':
        u = test(n.cond) && test(n.a) && test(n.b);
        break;
    }
    seen.set(n, u);
    return u;
  };
  return test;
}

/**
 * Evaluates a uniform part of a kernel (see {@link uniformTest}) on the host in float64, with the CPU backend's
 * semantics (comparisons give 1 or 0, `select` tests for non-zero, `max`/`min` propagate NaN). `input` gives
 * the value of a uniform input.
 */
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
