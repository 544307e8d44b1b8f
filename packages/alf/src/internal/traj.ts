/** Shared pieces of the trajectory optimizers: option checks, bounds, and reading costs. */
import { Tensor, TypeError_, ValueError } from '@tsoptim/core';

/** A bound: one number for every element, or one per solution dimension. */
export type Bound = number | ArrayLike<number>;

export function checkInt(name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new ValueError(`${name} must be an integer ≥ ${min}, got ${v}`);
  return v;
}

/** The bounds as per-dimension arrays; throws unless lower ≤ upper everywhere. */
export function boundsOf(lower: Bound, upper: Bound, dim: number): { lo: Float32Array; hi: Float32Array } {
  const expand = (name: string, b: Bound): Float32Array => {
    if (typeof b === 'number') {
      if (Number.isNaN(b)) throw new ValueError(`${name} must be a number, got NaN`);
      return new Float32Array(dim).fill(b);
    }
    if (b === null || typeof b !== 'object' || typeof b.length !== 'number')
      throw new TypeError_(`${name} must be a number or an array of numbers`);
    if (b.length !== dim) throw new ValueError(`${name} has ${b.length} values, but the solution has ${dim} dimensions`);
    return Float32Array.from(b);
  };
  const lo = expand('lowerBound', lower);
  const hi = expand('upperBound', upper);
  for (let i = 0; i < dim; i++) {
    if (!(lo[i]! <= hi[i]!)) throw new ValueError(`lowerBound ${lo[i]} is above upperBound ${hi[i]} at dimension ${i}`);
  }
  return { lo, hi };
}

/** The batch size of an observation (its leading dimension). */
export function batchSizeOf(observation: { readonly shape: readonly number[] }): number {
  const b = observation?.shape?.[0];
  if (typeof b !== 'number' || !Number.isInteger(b) || b < 1) {
    throw new ValueError('the observation must have a leading batch dimension of at least 1');
  }
  return b;
}

/** Costs as host values, checked to hold batch × population entries. */
export function readCosts(costs: Tensor | ArrayLike<number>, batch: number, population: number): ArrayLike<number> {
  const values = Tensor.isTensor(costs) ? costs.data : costs;
  if (values === null || typeof values !== 'object' || values.length !== batch * population) {
    const n = values !== null && typeof values === 'object' ? values.length : typeof values;
    throw new ValueError(`the cost function must return [${batch}, ${population}] costs, got ${n} values`);
  }
  return values;
}

/** Indices 0..n−1 of `costs[offset…offset+n)` in ascending order of cost (ties by index, NaN last). */
export function ascending(costs: ArrayLike<number>, offset: number, n: number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  const key = (i: number): number => {
    const c = costs[offset + i]!;
    return Number.isNaN(c) ? Number.POSITIVE_INFINITY : c;
  };
  idx.sort((a, b) => key(a) - key(b) || a - b);
  return idx;
}
