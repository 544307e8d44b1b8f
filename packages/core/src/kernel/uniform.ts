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
