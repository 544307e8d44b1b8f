import { describe, expect, it } from 'vitest';
import { k } from '../index.js';
import { evalHost, uniformTest } from './uniform.js';

describe('uniformTest', () => {
  const x: k.Expr = { kind: 'input', name: 'x' };
  const h: k.Expr = { kind: 'input', name: 'h' };
  const beta: k.Expr = { kind: 'scalar', name: 'beta' };

  it('marks parts made of scalars and constants only', () => {
    const isUniform = uniformTest();
    expect(isUniform(k.sub(1, beta))).toBe(true);
    expect(isUniform(k.c(2))).toBe(true);
    expect(isUniform(k.mul(k.sub(1, beta), x))).toBe(false);
    expect(isUniform(k.select(k.gt(beta, 0), beta, x))).toBe(false);
  });

  it('counts the named inputs as uniform, and no others', () => {
    const isUniform = uniformTest(['h']);
    expect(isUniform(k.mul(h, beta))).toBe(true);
    expect(isUniform(k.add(h, x))).toBe(false);
    expect(isUniform(k.sqrt(h))).toBe(true);
  });

  it('evaluates a uniform part on the host as the CPU backend does', () => {
    const scalars: Record<string, number> = { beta: 0.999 };
    const of = (name: string) => scalars[name]!;
    expect(evalHost(k.sub(1, beta), of)).toBe(1 - 0.999);
    expect(evalHost(k.gt(beta, 0.5), of)).toBe(1);
    expect(evalHost(k.select(k.lt(beta, 0.5), 2, 3), of)).toBe(3);
    expect(evalHost(k.max(beta, Number.NaN), of)).toBeNaN();
    expect(evalHost(k.sign(k.c(-0)), of)).toBe(-0);
    expect(evalHost(k.mul(h, 2), of, (name) => (name === 'h' ? 21 : Number.NaN))).toBe(42);
  });
});
