import { describe, expect, it } from 'vitest';
import { k } from '../index.js';
import { uniformTest } from './uniform.js';

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
});
