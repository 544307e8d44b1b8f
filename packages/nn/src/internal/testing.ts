/** Helpers of this package's tests: fixture loading and tolerance checks. Not part of the public surface. */
import { readFileSync } from 'node:fs';
import { type NestedArray, Parameter, type Tensor, parameter, tensor } from '@tsoptim/core';

/** A tensor as the fixture generators write it. */
export interface FixtureTensor {
  readonly shape: number[];
  readonly data: number[];
}

/** Reads `tooling/fixtures/data/<area>/<name>.json`. */
export function loadFixture<T>(area: string, name: string): T {
  const url = new URL(`../../../../tooling/fixtures/data/${area}/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as T;
}

export function fromFixture(t: FixtureTensor): Tensor {
  return tensor(Float32Array.from(t.data), { shape: t.shape });
}

export function paramFromFixture(t: FixtureTensor): Parameter {
  return parameter(Float32Array.from(t.data), { shape: t.shape });
}

/**
 * The largest violation of `|a − e| ≤ atol + rtol·|e|`, as a ratio (≤ 1 passes), with the worst index.
 */
export function closeness(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-5, atol = 1e-6): { ratio: number; at: number } {
  if (actual.length !== expected.length) return { ratio: Number.POSITIVE_INFINITY, at: -1 };
  let ratio = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    const q = Math.abs(a - e) / (atol + rtol * Math.abs(e));
    if (!(q <= ratio)) {
      ratio = q;
      at = i;
    }
  }
  return { ratio, at };
}

/** Throws with a readable message unless `actual` matches `expected` within the tolerances. */
export function assertClose(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-5, atol = 1e-6): void {
  const { ratio, at } = closeness(actual, expected, rtol, atol);
  if (!(ratio <= 1)) {
    throw new Error(
      `${what}: mismatch (${ratio.toFixed(2)}× the tolerance) at ${at}: got ${actual[at]}, expected ${expected[at]} (lengths ${actual.length} / ${expected.length})`,
    );
  }
}

export function flatOf(x: NestedArray): number[] {
  return typeof x === 'number' ? [x] : (x as NestedArray[]).flatMap(flatOf);
}

export { Parameter };
