/** Helpers of this package's tests (not part of the public surface). */
import { type Parameter, type Tensor, parameter } from '@tsoptim/core';
import { firstMismatch, loadFixture } from '@tsoptim/testkit';
import { expect } from 'vitest';

export function fixture<T = any>(name: string): T {
  return loadFixture<T>('alf', name);
}

/** Parameters of the given shapes from flat values. */
export function paramsFrom(shapes: number[][], values: number[][], options: Record<string, unknown>[] = []): Parameter[] {
  return shapes.map((s, i) => parameter(values[i]!, { shape: s, options: options[i] ?? {} }));
}

/** Expects a tensor's values to match flat reference values. */
export function expectClose(t: Tensor | ArrayLike<number>, expected: readonly number[], what: string, atol = 1e-5, rtol = 1e-4): void {
  const actual = 'data' in (t as object) && !(t instanceof Float32Array) ? (t as Tensor).data : (t as ArrayLike<number>);
  const m = firstMismatch(Array.from(actual), expected, atol, rtol);
  expect(m, `${what}: ${JSON.stringify(m)}`).toBeNull();
}

/** cost[b, p] = Σ_d (x[b,p,d] − target[b,d])² */
export function quadratic(targets: number[], D: number) {
  return (_obs: Tensor, x: Tensor): number[] => {
    const [B, P] = x.shape as [number, number, number];
    const d = x.data;
    const out: number[] = [];
    for (let b = 0; b < B; b++) {
      for (let p = 0; p < P; p++) {
        let c = 0;
        for (let j = 0; j < D; j++) c += (d[(b * P + p) * D + j]! - targets[b * D + j]!) ** 2;
        out.push(c);
      }
    }
    return out;
  };
}
